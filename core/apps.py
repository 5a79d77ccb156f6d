from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Reference data")

    def ready(self) -> None:
        from . import history  # noqa: F401  (connects the IP-recording receiver)
        from .api import auth  # noqa: F401  (registers the token scheme's OpenAPI description)
