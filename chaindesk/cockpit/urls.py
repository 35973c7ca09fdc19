from django.urls import path

from . import views

app_name = "cockpit"
urlpatterns = [
    path("", views.city_view, name="city"),
    path("chain/<int:pk>/", views.chain_view, name="chain"),
    path("screen/", views.screen_view, name="screen"),
    path("screen/data/", views.screen_data, name="screen_data"),
    path("chain/<int:pk>/screen/", views.chain_screen_view, name="chain_screen"),
    path("chain/<int:pk>/screen/data/", views.chain_screen_data, name="chain_screen_data"),
]
