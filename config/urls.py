from django.contrib import admin
from django.urls import include, path

from chaindesk.api.api import api

urlpatterns = [
    path("", include("chaindesk.dashboards.urls")),
    path("accounts/", include("chaindesk.accounts.urls")),
    path("system/", include("chaindesk.core.urls")),
    path("chains/", include("chaindesk.chains.urls")),
    path("enterprises/", include("chaindesk.enterprises.urls")),
    path("meetings/", include("chaindesk.meetings.urls")),
    path("service/", include("chaindesk.liaison.urls")),
    path("network/", include("chaindesk.network.urls")),
    path("projects/", include("chaindesk.projects.urls")),
    path("leads/", include("chaindesk.leads.urls")),
    path("demands/upward/", include("chaindesk.upward.urls")),
    path("demands/", include("chaindesk.demands.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("django-admin/", admin.site.urls),
]

handler403 = "chaindesk.core.views.permission_denied"
handler404 = "chaindesk.core.views.page_not_found"
handler500 = "chaindesk.core.views.server_error"
