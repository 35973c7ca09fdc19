from django.urls import path

from . import views

app_name = "leads"
urlpatterns = [
    path("", views.lead_list, name="list"),
    path("export/", views.lead_export, name="export"),
    path("new/", views.lead_create, name="create"),
    path("queue/", views.queue, name="queue"),
    path("queue/card/", views.queue_card, name="queue_card"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/edit/", views.lead_edit, name="edit"),
    path("<int:pk>/advance/", views.lead_advance, name="advance"),
    path("<int:pk>/abandon/", views.lead_abandon, name="abandon"),
    path("<int:pk>/sign/", views.lead_sign, name="sign"),
    path("<int:pk>/follow-ups/", views.follow_up_add, name="follow_up"),
    path("enterprises/<int:pk>/", views.enterprise_tab, name="enterprise_tab"),
    path("enterprises/suggest/", views.enterprise_suggest, name="enterprise_suggest"),
    path("talents/<int:pk>/", views.talent_tab, name="talent_tab"),
]
