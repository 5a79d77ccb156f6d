"""Writes on the rollups' own settings: ask for a full recompute (the dashboard's refresh button),
and change the counting caliber (口径), which asks for one.

The computing itself is rollups.refresh; the Celery tasks (rollups.tasks) wrap it; what project
writers call inside their transaction is rollups.outbox. Imports run one way:
services -> tasks -> refresh, and outbox -> tasks -> refresh."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import RollupStatus, SigningCaliber, counted_agreement_kinds
from .tasks import rebuild_rollups

logger = logging.getLogger(__name__)


def request_rebuild() -> None:
    """Mark a recompute as requested (the dashboard's refresh button) and queue it after commit."""
    RollupStatus.objects.update_or_create(pk=1, defaults={"rebuild_requested_at": timezone.now()})

    def _send() -> None:
        try:
            rebuild_rollups.apply_async(retry=False)
        except Exception:
            logger.warning("rollups: could not queue the requested rebuild", exc_info=True)

    transaction.on_commit(_send)


# --- counting caliber ----------------------------------------------------------------------------
@transaction.atomic
def caliber_update(
    *, counts_formal: bool, counts_framework: bool, counts_strategic: bool
) -> SigningCaliber:
    """Set which agreement kinds count as signed projects (口径). Every stored signed figure was
    computed under the old caliber, so a full rebuild is queued after commit (its drift report
    names the cells the change moved); until it has run the dashboards say a recompute is under
    way."""
    caliber = SigningCaliber.objects.select_for_update().filter(pk=1).first()
    before = caliber.kinds if caliber is not None else counted_agreement_kinds()
    if caliber is None:
        caliber = SigningCaliber(pk=1)
    caliber.counts_formal = counts_formal
    caliber.counts_framework = counts_framework
    caliber.counts_strategic = counts_strategic
    if not caliber.kinds:
        raise ValidationError(_("At least one kind of agreement must count as a signed project."))
    caliber.full_clean()
    caliber.save()
    if caliber.kinds != before:
        request_rebuild()
    return caliber
