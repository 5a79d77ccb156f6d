from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LightsConfig(AppConfig):
    name = "lights"
    verbose_name = _("Stage deadlines and supervision")

    def ready(self) -> None:
        from accounts.scoping import ScopeRule, register_scope
        from rollups.locks import register_red_light_source
        from rollups.outbox import register_drain_listener

        from . import selectors, services

        project = {"region": "project__region", "confidential": "project__is_confidential"}
        register_scope("lights.lightchange", ScopeRule(**project))
        register_scope(
            "lights.supervisionitem",
            ScopeRule(region="region", confidential="project__is_confidential"),
        )
        # Rules are city-wide settings every signed-in user may read (editing: city staff only).
        register_scope("lights.lightrule", ScopeRule())
        register_drain_listener(services.lights_refresh_from_outbox)
        # A locked period keeps its red-light count (the assessment's deduction) in its snapshot.
        register_red_light_source(selectors.red_light_counts)
