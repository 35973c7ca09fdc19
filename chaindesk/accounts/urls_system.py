"""User management in the 系统 area: config/urls.py mounts these routes under /system/ in core's `core`
namespace (the area's one namespace), so their names stay `core:user_list` … and core never imports accounts."""

from django.urls import path

from . import views_departments, views_users

urlpatterns = [
    path("users/", views_users.user_list, name="user_list"),
    path("users/new/", views_users.user_create, name="user_create"),
    path("users/<int:pk>/", views_users.user_edit, name="user_edit"),
    path("users/<int:pk>/password/", views_users.user_password, name="user_password"),
    path("users/<int:pk>/active/", views_users.user_set_active, name="user_set_active"),
    path("users/<int:pk>/2fa/reset/", views_users.user_2fa_reset, name="user_2fa_reset"),
    path("departments/", views_departments.department_list, name="department_list"),
    path("departments/<int:pk>/", views_departments.department_edit, name="department_edit"),
]
