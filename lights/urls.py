from django.urls import path

from . import views

app_name = "lights"
urlpatterns = [
    path("lights/rules/", views.rule_list, name="rules"),
    path("lights/rules/<int:series>/", views.rule_edit, name="rule_edit"),
    path("lights/rules/<int:series>/retire/", views.rule_retire, name="rule_retire"),
    path("supervision/", views.supervision_list, name="supervision_list"),
    path("supervision/<int:pk>/", views.supervision_detail, name="supervision_detail"),
    path("supervision/<int:pk>/answer/", views.supervision_answer, name="supervision_answer"),
    path("supervision/<int:pk>/review/", views.supervision_review, name="supervision_review"),
    path("supervision/new/<int:project_pk>/", views.supervision_open, name="supervision_open"),
]
