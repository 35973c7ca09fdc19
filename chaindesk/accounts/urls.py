from django.urls import path

from . import views, views_2fa

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("2fa/", views_2fa.two_factor, name="two_factor"),
    path("2fa/code/", views_2fa.two_factor_code, name="two_factor_code"),
    path("2fa/enrol/", views_2fa.two_factor_enrol, name="two_factor_enrol"),
    path("2fa/recovery/", views_2fa.two_factor_recovery, name="two_factor_recovery"),
]
