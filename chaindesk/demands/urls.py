from django.urls import path

from . import (
    views_metrics,  # metrics
    views_upward,  # upward
)

app_name = "demands"
urlpatterns: list = [
    path("upward/", views_upward.upward_list_view, name="upward_list"),  # upward
    path("upward/export/", views_upward.upward_export, name="upward_export"),  # upward
    path("upward/new/", views_upward.upward_create, name="upward_create"),  # upward
    path("upward/<int:pk>/", views_upward.upward_detail, name="upward_detail"),  # upward
    path("upward/<int:pk>/edit/", views_upward.upward_edit, name="upward_edit"),  # upward
    path("upward/<int:pk>/advance/", views_upward.upward_advance, name="upward_advance"),  # upward
    path("metrics/", views_metrics.metrics_page, name="metrics"),  # metrics
]
