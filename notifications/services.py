"""Writes of notifications: settings, the daily digest and its delivery.

Delivery is an outbox: `digests_write` writes one Delivery row per person and day (its unique key
`digest:<day>:<user id>` makes a second run write nothing), and `deliveries_send` sends the rows
that are due. A row is claimed (status "sending", its lock skipped by other workers) in one
transaction and marked sent in another right after the SMTP server accepted it; a failure puts it
back with a later `next_attempt_at` (backoff up to an hour), so it is retried until it goes out,
never dropped. A worker killed between the server's acceptance and the "sent" mark leaves the row
"sending": it is sent again only after SENDING_STALE (the one case SMTP cannot make exactly-once;
the message carries a fixed Message-ID from the key, so the receiving server can drop the copy).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User

from .models import Delivery, Kind, PersonalSettings
from .selectors import notices, personal_settings

logger = logging.getLogger(__name__)

SENDING_STALE = dt.timedelta(minutes=30)
MAX_BACKOFF = dt.timedelta(hours=1)
BATCH = 100


def settings_update(*, user, opted_out: list[str]) -> PersonalSettings:
    unknown = set(opted_out) - set(Kind.values)
    if unknown:
        raise ValueError(f"unknown notification kinds: {sorted(unknown)}")
    found = personal_settings(user, create=True)
    found.opted_out = sorted(set(opted_out))
    found.save(update_fields=["opted_out"])
    return found


def bell_seen(*, user) -> None:
    found = personal_settings(user, create=True)
    found.bell_seen_at = timezone.now()
    found.save(update_fields=["bell_seen_at"])


def _digest_since(user, day: dt.date) -> dt.datetime:
    """New items since the person's previous digest was written (or the day before)."""
    previous = (
        Delivery.objects.filter(user=user, key__startswith="digest:")
        .exclude(key=digest_key(user, day))
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return previous or timezone.make_aware(
        dt.datetime.combine(day - dt.timedelta(days=1), dt.time.min)
    )


def digest_key(user, day: dt.date) -> str:
    return f"digest:{day.isoformat()}:{user.pk}"


def digest_render(*, user, day: dt.date) -> tuple[str, str] | None:
    """(subject, body) of the person's digest for `day`, or None when there is nothing to say."""
    found = notices(user=user, since=_digest_since(user, day), today=day)
    sections = [(Kind(kind).label, items) for kind, items in found.items() if items]
    if not sections:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Jinzhong CRM daily digest %(day)s") % {"day": day.isoformat()}
        body = render_to_string(
            "notifications/digest.txt",
            {"user": user, "day": day, "sections": sections, "site": settings.SITE_URL},
        )
    return subject, body


def digests_write(*, day: dt.date | None = None) -> int:
    """One digest Delivery per active person with an e-mail address and something to say. A
    second run on the same day writes nothing (unique key). Returns rows written."""
    day = day or timezone.localdate()
    written = 0
    people = User.objects.filter(is_active=True).exclude(email="").order_by("pk")
    for user in people:
        key = digest_key(user, day)
        if Delivery.objects.filter(key=key).exists():
            continue
        rendered = digest_render(user=user, day=day)
        if rendered is None:
            continue
        subject, body = rendered
        _row, created = Delivery.objects.get_or_create(
            key=key,
            defaults={
                "user": user,
                "channel": Delivery.Channel.EMAIL,
                "address": user.email,
                "subject": subject[:200],
                "body": body,
                "next_attempt_at": timezone.now(),
            },
        )
        written += created
    return written


def _claim(now: dt.datetime) -> list[Delivery]:
    stale = now - SENDING_STALE
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
                | Q(status=Delivery.Status.SENDING, next_attempt_at__lte=stale)
            )
            .order_by("next_attempt_at", "id")[:BATCH]
        )
        if rows:
            Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(
                status=Delivery.Status.SENDING, next_attempt_at=now
            )
    return rows


def _send_one(row: Delivery) -> None:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    message = EmailMessage(
        subject=row.subject,
        body=row.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.address],
        headers={"Message-ID": f"<{row.key.replace(':', '.')}@{domain}>"},
    )
    message.send(fail_silently=False)


def deliveries_send(*, now: dt.datetime | None = None) -> int:
    """Send every due delivery; returns how many went out. Failures are retried later."""
    sent = 0
    while True:
        now = now or timezone.now()
        rows = _claim(now)
        if not rows:
            return sent
        for row in rows:
            try:
                _send_one(row)
            except Exception as exc:  # any transport error: keep the row, try again later
                attempts = row.attempts + 1
                backoff = min(dt.timedelta(minutes=2**attempts), MAX_BACKOFF)
                Delivery.objects.filter(pk=row.pk).update(
                    status=Delivery.Status.PENDING,
                    attempts=attempts,
                    last_error=str(exc)[:500],
                    next_attempt_at=timezone.now() + backoff,
                )
                logger.warning("notifications: delivery %s failed (%s)", row.key, exc)
            else:
                Delivery.objects.filter(pk=row.pk).update(
                    status=Delivery.Status.SENT,
                    attempts=row.attempts + 1,
                    sent_at=timezone.now(),
                    last_error="",
                )
                sent += 1
        if len(rows) < BATCH:
            return sent
        now = None
