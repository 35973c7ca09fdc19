from django.urls import path

from . import views
from .cards import served_cards

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
    # Cards registered with a view of their own app (chaindesk.dashboards.cards), e.g. cards/projects/.
    *[path(f"cards/{card.key}/", card.view, name=f"{card.key}_card") for card in served_cards() if card.view],
]
