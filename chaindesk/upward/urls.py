from django.urls import path

from . import views

app_name = "upward"
urlpatterns: list = [
    path("", views.upward_list_view, name="list"),
    path("export/", views.upward_export, name="export"),
    path("new/", views.upward_create, name="create"),
    path("<int:pk>/", views.upward_detail, name="detail"),
    path("<int:pk>/edit/", views.upward_edit, name="edit"),
    path("<int:pk>/advance/", views.upward_advance, name="advance"),
]
