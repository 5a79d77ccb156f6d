from django.urls import path

from . import views

app_name = "chains"

urlpatterns = [
    path("", views.chain_list, name="list"),
    path("<int:pk>/", views.chain_detail, name="detail"),
    path("<int:pk>/links/", views.chain_links_edit, name="links"),
    path("<int:pk>/indicators/reading/", views.indicator_reading, name="indicator_reading"),
    path("<int:pk>/targets/", views.chain_targets, name="targets"),
    path("targets/<int:pk>/status/", views.target_status, name="target_status"),
    path("targets/<int:pk>/convert/", views.target_convert, name="target_convert"),
    path("leaders/<int:pk>/", views.leader_detail, name="leader"),
]
