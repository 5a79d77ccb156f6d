from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.city, name="city"),
    path("status/", views.status, name="status"),
    path("refresh/", views.refresh, name="refresh"),
    path("export.xlsx", views.export, name="export_city"),
    path("targets/", views.targets, name="targets"),
    path("<str:code>/", views.county, name="county"),
    path("<str:code>/export.xlsx", views.export, name="export_county"),
]
