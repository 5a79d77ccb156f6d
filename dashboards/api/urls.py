from django.urls import path

from . import views

urlpatterns = [path("rollups/", views.RollupView.as_view(), name="rollups")]
