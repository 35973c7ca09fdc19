from django.urls import path

app_name = "leads"
urlpatterns: list = []  # pages arrive with the leads views
