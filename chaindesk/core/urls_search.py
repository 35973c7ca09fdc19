from django.urls import path

from . import views_search

# Mounted at /search/ by config/urls.py (the header's search box posts here).
app_name = "search"
urlpatterns = [
    path("", views_search.search_page, name="results"),
]
