from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("Evidence and verification")

    def ready(self) -> None:
        from accounts.scoping import ScopeRule, register_scope

        # A milestone's evidence follows its project's scope (its files too: core.Attachment
        # is scoped through the record it hangs on).
        register_scope(
            "verification.milestoneclaim",
            ScopeRule(region="project__region", confidential="project__is_confidential"),
        )
        # What each milestone must carry: city-wide settings every signed-in user reads.
        register_scope("verification.evidencerequirement", ScopeRule())
        # An edit of a verified record sends its evidence back to 待核实 (issue 21).
        from core.changes import register_edit_listener

        from .services import claims_reset_on_edit

        register_edit_listener(claims_reset_on_edit)
