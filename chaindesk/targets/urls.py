from django.urls import path

from . import views

app_name = "targets"
urlpatterns: list = [
    path("", views.ledger_view, name="ledger"),
    path("sprint/", views.sprint_view, name="sprint"),
    path("lights/", views.lights_view, name="lights"),
    path("<str:owner>/<int:pk>/", views.edit_view, name="edit"),
]
