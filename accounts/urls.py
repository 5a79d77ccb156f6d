from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("history/", views.history, name="history"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<str:token_key>/revoke/", views.token_revoke, name="token_revoke"),
]
