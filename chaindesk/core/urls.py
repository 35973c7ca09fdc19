from django.urls import path

from . import history, views_calendar, views_system

# The 系统 area. config/urls.py mounts these routes with the accounts app's user management
# (chaindesk/accounts/urls_system.py) in the one `core` namespace, so core never imports accounts.
app_name = "core"
urlpatterns = [
    path("", views_system.system_home, name="system"),
    path("audit/", views_system.audit_list, name="audit_list"),
    path("audit/export/", views_system.audit_export, name="audit_export"),
    path("audit/<int:pk>/", views_system.audit_detail, name="audit_detail"),
    path("history/<str:app_label>/<str:model>/<int:pk>/", history.object_history, name="history"),
    path("calendar/", views_calendar.calendar_list, name="calendar"),
    path("calendar/<int:year>/", views_calendar.calendar_year, name="calendar_year"),
]

from . import views_inbox  # noqa: E402 - the inbox routes are appended

urlpatterns += [
    path("inbox/", views_inbox.inbox, name="inbox"),
    path("inbox/badge/", views_inbox.inbox_badge, name="inbox_badge"),
    path("inbox/read-all/", views_inbox.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/read/", views_inbox.inbox_read, name="inbox_read"),
]
