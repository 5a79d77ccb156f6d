from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("County assessment")

    def ready(self) -> None:
        from accounts.scoping import ScopeRule, register_scope

        # Schemes, published scores and the 通报 are city-wide: every signed-in person reads the
        # aggregated figures of all regions (DESIGN.md, Access); writes are city staff's.
        for label in ("scoring.scoringscheme", "scoring.publication", "scoring.reportdocument"):
            register_scope(label, ScopeRule())
