from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.briefing_list, name="list"),
    path("new/", views.briefing_new, name="new"),
    path("<int:pk>/", views.briefing_detail, name="detail"),
    path("<int:pk>/versions/", views.briefing_versions, name="versions"),
    path("versions/<int:pk>/<str:kind>/", views.version_file, name="version_file"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<int:pk>/deactivate/", views.template_deactivate, name="template_deactivate"),
]
