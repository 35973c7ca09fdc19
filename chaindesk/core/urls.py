from django.urls import path

from . import history, views_system

app_name = "core"
urlpatterns = [
    path("", views_system.system_home, name="system"),
    path("audit/", views_system.audit_list, name="audit_list"),
    path("history/<str:app_label>/<str:model>/<int:pk>/", history.object_history, name="history"),
]
