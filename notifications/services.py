"""Writes of notifications: settings, the daily digest and its delivery.

Delivery is an outbox: `digests_write` writes one Delivery row per person and day (its unique key
`digest:<day>:<user id>` makes a second run write nothing), and `deliveries_send` sends the rows
that are due. A row is claimed (status "sending", its lock skipped by other workers) in one
transaction and marked sent in another right after the SMTP server accepted it; a failure puts it
back with a later `next_attempt_at` (backoff up to an hour), so it is retried until it goes out,
never dropped. A worker killed between the server's acceptance and the "sent" mark leaves the row
"sending": it is sent again only after SENDING_STALE (the one case SMTP cannot make exactly-once;
the message carries a fixed Message-ID from the key, so the receiving server can drop the copy).

The 企业微信 and 钉钉 group robots are more channels of the same table: a person who set a webhook
gets a second row per digest (key `digest:<day>:<user id>:<channel>`), sent as the robots' documented
text message, ``{"msgtype": "text", "text": {"content": …}}``, by an HTTP POST; the robot answers
``{"errcode": 0, …}`` and anything else is a failure, retried like a mail. Only hosts listed in
settings.WEBHOOK_HOSTS are ever called.

Group robots (GroupRobot, set by city staff): a county's own 企业微信 / 钉钉 group gets the new red
lights and the 督办 items of its region, a city-wide robot (no region) those of every region, once a
day (`robots_write`, key `robot:<day>:<robot id>`), through the same table. A 钉钉 robot with 加签
has its secret on the robot; each call then carries ``timestamp`` (ms) and ``sign`` =
urlencode(base64(HMAC-SHA256(secret, "<timestamp>\n<secret>"))), made at send time (钉钉 accepts a
signature for an hour), so a retry is signed afresh.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.request
from urllib.parse import quote_plus, urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from lights.services import is_city_editor

from .models import Delivery, GroupRobot, Kind, PersonalSettings, WebhookChannel
from .selectors import group_notices, notices, personal_settings

logger = logging.getLogger(__name__)

SENDING_STALE = dt.timedelta(minutes=30)
MAX_BACKOFF = dt.timedelta(hours=1)
BATCH = 100
# The robots' limits on a text message's content, in UTF-8 bytes (企业微信 2048; 钉钉 20000).
WEBHOOK_CONTENT_BYTES = {WebhookChannel.WECOM: 2048, WebhookChannel.DINGTALK: 20000}


def check_webhook(channel: str, url: str) -> str:
    """The webhook URL, cleaned; refused in Chinese unless it is an http(s) URL on one of the
    channel's hosts (settings.WEBHOOK_HOSTS), by https except on this machine."""
    url = (url or "").strip()
    if not channel:
        if url:
            raise ValidationError({"webhook_channel": _("Please choose WeCom or DingTalk.")})
        return ""
    if channel not in WebhookChannel.values:
        raise ValidationError({"webhook_channel": _("Unknown webhook kind.")})
    if not url:
        raise ValidationError({"webhook_url": _("Please give the robot's webhook URL.")})
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    allowed = [h.lower() for h in settings.WEBHOOK_HOSTS.get(channel, [])]
    if parts.scheme not in ("http", "https") or host not in allowed:
        raise ValidationError(
            {
                "webhook_url": _(
                    "This is not a %(kind)s robot's webhook URL: it must start with "
                    "https://%(host)s/."
                )
                % {"kind": WebhookChannel(channel).label, "host": allowed[0] if allowed else "…"}
            }
        )
    if parts.scheme != "https" and host not in ("127.0.0.1", "localhost"):
        raise ValidationError({"webhook_url": _("The webhook URL must use https.")})
    return url


def settings_update(
    *, user, opted_out: list[str], webhook_channel: str | None = None, webhook_url: str = ""
) -> PersonalSettings:
    """Opt-outs, and (when `webhook_channel` is given, "" to remove it) the person's robot."""
    unknown = set(opted_out) - set(Kind.values)
    if unknown:
        raise ValueError(f"unknown notification kinds: {sorted(unknown)}")
    fields = ["opted_out"]
    if webhook_channel is not None:
        webhook_url = check_webhook(webhook_channel, webhook_url)
        fields += ["webhook_channel", "webhook_url"]
    found = personal_settings(user, create=True)
    found.opted_out = sorted(set(opted_out))
    if webhook_channel is not None:
        found.webhook_channel, found.webhook_url = webhook_channel, webhook_url
    found.save(update_fields=fields)
    return found


# --- group robots ------------------------------------------------------------------------------------
@transaction.atomic
def robot_save(
    *,
    by,
    name: str,
    channel: str,
    url: str,
    region=None,
    secret: str | None = None,
    is_active: bool = True,
    robot: GroupRobot | None = None,
) -> GroupRobot:
    """Add (or, given `robot`, change) a group robot; city staff only. `secret` None keeps the
    stored 加签 secret, "" removes it."""
    if not is_city_editor(by):
        raise PermissionDenied(_("Only city staff manage group robots."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Please give the group's name.")})
    if not channel:
        raise ValidationError({"channel": _("Please choose WeCom or DingTalk.")})
    try:
        url = check_webhook(channel, url)
    except ValidationError as exc:
        raise ValidationError({"url": exc.messages}) from exc
    robot = robot or GroupRobot()
    if secret is not None:
        robot.secret = secret.strip()
    if robot.secret and channel != WebhookChannel.DINGTALK:
        raise ValidationError(
            {"secret": _("Only DingTalk robots sign their calls (加签): leave the secret empty.")}
        )
    robot.name, robot.region, robot.channel, robot.url = name, region, channel, url
    robot.is_active = is_active
    robot.full_clean()
    robot.save()
    return robot


@transaction.atomic
def robot_delete(*, by, robot: GroupRobot) -> None:
    """Remove a group robot, with its deliveries not yet sent (those sent go too: the robot's
    messages are in its group)."""
    if not is_city_editor(by):
        raise PermissionDenied(_("Only city staff manage group robots."))
    GroupRobot.objects.filter(pk=robot.pk).delete()


def robot_key(robot: GroupRobot, day: dt.date) -> str:
    return f"robot:{day.isoformat()}:{robot.pk}"


def robots_write(*, day: dt.date | None = None) -> int:
    """One Delivery per active group robot and day with the new red lights and the 督办 items of
    its region (a city-wide robot: of every region) since its previous message; nothing when
    there is nothing to say. A second run on the same day writes nothing. Returns rows written."""
    day = day or timezone.localdate()
    written = 0
    for robot in GroupRobot.objects.filter(is_active=True).select_related("region"):
        key = robot_key(robot, day)
        if Delivery.objects.filter(key=key).exists():
            continue
        previous = (
            Delivery.objects.filter(robot=robot)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        since = previous or timezone.make_aware(
            dt.datetime.combine(day - dt.timedelta(days=1), dt.time.min)
        )
        found = group_notices(region_id=robot.region_id, since=since, today=day)
        sections = [(Kind(kind).label, items) for kind, items in found.items() if items]
        if not sections:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            where = robot.region.name if robot.region_id else _("the whole city")
            subject = _("Jinzhong CRM: red lights and supervision items of %(where)s, %(day)s") % {
                "where": where,
                "day": day.isoformat(),
            }
            body = render_to_string(
                "notifications/robot_digest.txt",
                {"sections": sections, "site": settings.SITE_URL},
            )
        _row, created = Delivery.objects.get_or_create(
            key=key,
            defaults={
                "robot": robot,
                "channel": robot.channel,
                "address": robot.url,
                "subject": subject[:200],
                "body": body,
                "next_attempt_at": timezone.now(),
            },
        )
        written += created
    return written


def dingtalk_signed_url(url: str, secret: str, *, timestamp_ms: int) -> str:
    """The 钉钉 robot URL with its 加签 parameters: ``timestamp`` (ms since the epoch) and
    ``sign`` = urlencode(base64(HMAC-SHA256(key=secret, message="<timestamp>\n<secret>")))."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest).decode("ascii"))
    joiner = "&" if urlsplit(url).query else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={sign}"


def bell_seen(*, user) -> None:
    found = personal_settings(user, create=True)
    found.bell_seen_at = timezone.now()
    found.save(update_fields=["bell_seen_at"])


def _digest_since(user, day: dt.date) -> dt.datetime:
    """New items since the person's previous digest was written (or the day before)."""
    previous = (
        Delivery.objects.filter(user=user, key__startswith="digest:")
        .exclude(key=digest_key(user, day))
        .exclude(key__startswith=digest_key(user, day) + ":")  # the same day's robot copy
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
    """One digest Delivery per active person with an e-mail address and something to say, and one
    more for the person's 企业微信 / 钉钉 robot if they set one. A second run on the same day writes
    nothing (unique keys). Returns rows written."""
    day = day or timezone.localdate()
    written = 0
    robots = dict(
        PersonalSettings.objects.exclude(webhook_url="")
        .exclude(webhook_channel="")
        .values_list("user_id", "webhook_channel")
    )
    urls = dict(
        PersonalSettings.objects.filter(user_id__in=list(robots)).values_list(
            "user_id", "webhook_url"
        )
    )
    people = (
        User.objects.filter(is_active=True)
        .filter(~Q(email="") | Q(pk__in=list(robots)))
        .order_by("pk")
    )
    for user in people:
        key = digest_key(user, day)
        rows = []
        if user.email:
            rows.append((key, Delivery.Channel.EMAIL, user.email))
        if user.pk in robots:
            channel = robots[user.pk]
            rows.append((f"{key}:{channel}", channel, urls[user.pk]))
        rows = [r for r in rows if not Delivery.objects.filter(key=r[0]).exists()]
        if not rows:
            continue
        rendered = digest_render(user=user, day=day)
        if rendered is None:
            continue
        subject, body = rendered
        for row_key, channel, address in rows:
            _row, created = Delivery.objects.get_or_create(
                key=row_key,
                defaults={
                    "user": user,
                    "channel": channel,
                    "address": address,
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


def webhook_payload(row: Delivery) -> dict:
    """The robots' text message (企业微信 and 钉钉 document the same shape), cut to their limit."""
    content = f"{row.subject}\n\n{row.body}".strip()
    limit = WEBHOOK_CONTENT_BYTES[row.channel]
    encoded = content.encode("utf-8")
    if len(encoded) > limit:
        content = encoded[: limit - 3].decode("utf-8", errors="ignore") + "…"
    return {"msgtype": "text", "text": {"content": content}}


def _post_webhook(row: Delivery) -> None:
    # The address was checked when it was set; checked again, as settings may have changed since.
    check_webhook(row.channel, row.address)
    target = row.address
    if row.channel == WebhookChannel.DINGTALK and row.robot_id is not None:
        secret = GroupRobot.objects.filter(pk=row.robot_id).values_list("secret", flat=True).first()
        if secret:
            target = dingtalk_signed_url(target, secret, timestamp_ms=int(time.time() * 1000))
    request = urllib.request.Request(  # noqa: S310 (http(s) only, host on the allow list)
        target,
        data=json.dumps(webhook_payload(row), ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT) as response:  # noqa: S310
        answer = json.loads(response.read() or b"{}")
    if answer.get("errcode") != 0:
        raise RuntimeError(f"robot refused: {answer.get('errcode')} {answer.get('errmsg', '')}")


def _send_one(row: Delivery) -> None:
    if row.channel != Delivery.Channel.EMAIL:
        _post_webhook(row)
        return
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
