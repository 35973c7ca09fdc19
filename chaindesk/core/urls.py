from django.urls import path

from . import history, views_system

app_name = "core"
urlpatterns = [
    path("", views_system.system_home, name="system"),
    path("audit/", views_system.audit_list, name="audit_list"),
    path("audit/export/", views_system.audit_export, name="audit_export"),
    path("audit/<int:pk>/", views_system.audit_detail, name="audit_detail"),
    path("users/", views_system.user_list, name="user_list"),
    path("users/new/", views_system.user_create, name="user_create"),
    path("users/<int:pk>/", views_system.user_edit, name="user_edit"),
    path("users/<int:pk>/password/", views_system.user_password, name="user_password"),
    path("users/<int:pk>/active/", views_system.user_set_active, name="user_set_active"),
    path("history/<str:app_label>/<str:model>/<int:pk>/", history.object_history, name="history"),
]

from . import views_inbox  # noqa: E402 - the inbox routes are appended

urlpatterns += [
    path("inbox/", views_inbox.inbox, name="inbox"),
    path("inbox/badge/", views_inbox.inbox_badge, name="inbox_badge"),
    path("inbox/read-all/", views_inbox.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/read/", views_inbox.inbox_read, name="inbox_read"),
]
