from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
    path("cards/projects/", views.projects_card_view, name="projects_card"),
]
