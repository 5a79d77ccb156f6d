from django.contrib.auth import views as auth_views
from django.urls import path

from . import otp, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("otp/setup/", otp.setup, name="otp_setup"),
    path("otp/verify/", otp.verify, name="otp_verify"),
    path("history/", views.history, name="history"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<str:token_key>/revoke/", views.token_revoke, name="token_revoke"),
]
