from django.urls import path

from . import views

app_name = "scoring"
urlpatterns = [
    path("scores/", views.scores, name="scores"),
    path("scores/publish/", views.publish, name="publish"),
    path("scores/schemes/", views.schemes, name="schemes"),
    path("reports/", views.reports, name="reports"),
    path("reports/generate/", views.generate, name="generate"),
    path("reports/<int:pk>/download/", views.report_download, name="report_download"),
]
