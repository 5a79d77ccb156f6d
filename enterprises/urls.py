from django.urls import path

from . import views

app_name = "enterprises"

urlpatterns = [
    path("enterprises/", views.enterprise_list, name="list"),
    path("enterprises/new/", views.enterprise_create, name="create"),
    path("enterprises/autocomplete/", views.autocomplete, name="autocomplete"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="detail"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("enterprises/<int:pk>/delete/", views.enterprise_delete, name="delete"),
    path("enterprises/<int:pk>/restore/", views.enterprise_restore, name="restore"),
    path("enterprises/<int:pk>/contacts/new/", views.contact_add, name="contact_add"),
    path("enterprises/<int:pk>/figures/", views.year_figures_record, name="figures_record"),
    path("parks/", views.park_list, name="park_list"),
    path("parks/<int:pk>/", views.park_detail, name="park_detail"),
]
