from django.urls import path

app_name = "network"
urlpatterns: list = []  # pages arrive with the network views
