from django.urls import path

from . import views

app_name = "ingest"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("<int:pk>/", views.report_review, name="review"),
    path("<int:pk>/discard/", views.report_discard, name="discard"),
]
