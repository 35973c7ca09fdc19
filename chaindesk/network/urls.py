from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "network"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="network:talents"), name="home"),
    path("talents/", views.talent_list, name="talents"),
    path("talents/export/", views.talent_export, name="talents_export"),
    path("talents/options/", views.talent_options, name="talent_options"),
    path("talents/new/", views.talent_create, name="talent_create"),
    path("talents/<int:pk>/", views.talent_detail, name="talent_detail"),
    path("talents/<int:pk>/edit/", views.talent_edit, name="talent_edit"),
    path("talents/<int:pk>/contacts/new/", views.talent_contact_add, name="talent_contact_add"),
    path("partners/", views.partner_list, name="partners"),
    path("partners/export/", views.partner_export, name="partners_export"),
    path("partners/new/", views.partner_create, name="partner_create"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/edit/", views.partner_edit, name="partner_edit"),
    path("rd-map/", views.rd_map, name="rd_map"),
    path("enterprises/<int:pk>/rd/", views.enterprise_rd, name="enterprise_rd"),
    path("enterprises/<int:pk>/rd/new/", views.cooperation_create, name="cooperation_create"),
    path("cooperations/<int:pk>/edit/", views.cooperation_edit, name="cooperation_edit"),
]
