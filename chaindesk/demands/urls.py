from django.urls import path

from . import views_metrics  # metrics

app_name = "demands"
urlpatterns: list = [
    path("metrics/", views_metrics.metrics_page, name="metrics"),  # metrics
]
