from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/unread/", views.unread, name="unread"),
    path("notifications/settings/", views.settings_save, name="settings"),
    path("notifications/robots/", views.robots, name="robots"),
    path("notifications/robots/<int:pk>/", views.robot_edit, name="robot_edit"),
    path("notifications/robots/<int:pk>/delete/", views.robot_delete, name="robot_delete"),
    path("calendar/", views.month, name="calendar"),
    path("calendar/<str:token>.ics", views.ical, name="ical"),
]
