from django.contrib import admin
from django.urls import include, path

from chaindesk.accounts import urls_system as account_system_urls
from chaindesk.api import urls as api_system_urls
from chaindesk.api.api import api
from chaindesk.core import metrics
from chaindesk.core import urls as core_urls

# The 系统 area is one namespace: core's audit log, accounts' user management and the api app's tokens (core imports
# no domain app).
system_urls = (
    [*core_urls.urlpatterns, *account_system_urls.urlpatterns, *api_system_urls.urlpatterns],
    core_urls.app_name,
)

urlpatterns = [
    path("", include("chaindesk.dashboards.urls")),
    path("accounts/", include("chaindesk.accounts.urls")),
    path("system/", include(system_urls)),
    path("chains/", include("chaindesk.chains.urls")),
    path("enterprises/", include("chaindesk.enterprises.urls")),
    path("meetings/", include("chaindesk.meetings.urls")),
    path("ingest/", include("chaindesk.ingest.urls")),
    path("reports/", include("chaindesk.reports.urls")),
    path("imports/", include("chaindesk.transfer.urls")),
    path("service/", include("chaindesk.liaison.urls")),
    path("network/", include("chaindesk.network.urls")),
    path("projects/", include("chaindesk.projects.urls")),
    path("leads/", include("chaindesk.leads.urls")),
    path("demands/upward/", include("chaindesk.upward.urls")),
    path("targets/", include("chaindesk.targets.urls")),
    path("cockpit/", include("chaindesk.cockpit.urls")),
    path("demands/", include("chaindesk.demands.urls")),
    path("search/", include("chaindesk.core.urls_search")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("django-admin/", admin.site.urls),
    path("metrics", metrics.metrics, name="metrics"),  # Prometheus, from CHAINDESK_METRICS_ALLOWED only
]

handler403 = "chaindesk.core.views.permission_denied"
handler404 = "chaindesk.core.views.page_not_found"
handler500 = "chaindesk.core.views.server_error"
