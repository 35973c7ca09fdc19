from django.urls import path

from . import views

app_name = "transfer"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("<int:pk>/", views.batch_detail, name="detail"),
    path("<int:pk>/progress/", views.batch_progress, name="progress"),
    path("<int:pk>/mapping/", views.batch_mapping, name="mapping"),
    path("<int:pk>/commit/", views.batch_commit, name="commit"),
    path("<int:pk>/undo/", views.batch_undo, name="undo"),
    path("<int:pk>/errors.xlsx", views.batch_errors, name="errors"),
    path("template/<slug:kind>.xlsx", views.blank_template, name="template"),
]
