from django.urls import path

app_name = "projects"
urlpatterns: list = []  # pages arrive with the projects views
