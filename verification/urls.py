from django.urls import path

from . import locks_views, views

app_name = "verification"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.claim_detail, name="detail"),
    path("<int:pk>/verify/", views.claim_verify, name="verify"),
    path("<int:pk>/return/", views.claim_return, name="return"),
    path("<int:pk>/resubmit/", views.claim_resubmit, name="resubmit"),
    path("projects/<int:pk>/", views.project_evidence, name="project"),
    path("evidence/<str:kind>/<int:pk>/", views.evidence_upload, name="upload"),
    path("files/<int:pk>/delete/", views.evidence_delete, name="file_delete"),
    path("locks/", locks_views.lock_list, name="locks"),
    path("locks/<int:pk>/", locks_views.lock_detail, name="lock_detail"),
    path("locks/<int:pk>/unlock/", locks_views.lock_unlock, name="lock_unlock"),
]
