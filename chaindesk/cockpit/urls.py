from django.urls import path

from . import views

app_name = "cockpit"
urlpatterns = [
    path("", views.city_view, name="city"),
    path("chain/<int:pk>/", views.chain_view, name="chain"),
]
