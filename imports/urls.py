from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("export/<str:kind>/", views.list_export, name="export"),
    path("templates/<str:kind>.xlsx", views.template_download, name="template"),
    path("<int:pk>/", views.batch_detail, name="batch"),
    path("<int:pk>/status/", views.batch_status, name="status"),
    path("<int:pk>/confirm/", views.batch_confirm, name="confirm"),
    path("<int:pk>/rollback/", views.batch_rollback, name="rollback"),
]
