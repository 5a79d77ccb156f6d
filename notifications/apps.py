from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from accounts.scoping import register_scope

        # A person's own notifications, deliveries and settings: nobody else's.
        for label in ("notifications.delivery", "notifications.personalsettings"):
            register_scope(label, lambda qs, user: qs.filter(user=user))
