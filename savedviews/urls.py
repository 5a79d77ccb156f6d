from django.urls import path

from . import views

app_name = "savedviews"
urlpatterns = [
    path("save/", views.saved_view_create, name="create"),
    path("<int:pk>/edit/", views.saved_view_edit, name="edit"),
    path("<int:pk>/default/", views.saved_view_default, name="default"),
    path("<int:pk>/delete/", views.saved_view_delete, name="delete"),
]
