from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="new"),
    path("signings/new/<int:project_pk>/", views.signing_new, name="signing_new"),
    path("stats/", views.event_stats, name="stats"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/edit/", views.event_edit, name="edit"),
    path("<int:pk>/signings/", views.event_signings, name="signings"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/agreements/", views.agreement_add, name="agreement_add"),
    path("<int:pk>/batch/", views.batch_record, name="batch"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
]
