"""系统 → 接口令牌: config/urls.py mounts these routes under /system/ in core's `core` namespace (the 系统 area's
one namespace), as it does accounts' user management, so their names are `core:api_token_list` …"""

from django.urls import path

from . import views

urlpatterns = [
    path("api-tokens/", views.token_list, name="api_token_list"),
    path("api-tokens/new/", views.token_create, name="api_token_create"),
    path("api-tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
]
