"""What reaches a person who is not looking at the page: the in-app bell, the daily e-mail digest
(through an outbox-style delivery table), the per-type opt-outs and the calendar feed token."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a notification is about; a person may opt out of each."""

    NEXT_STEPS = "next_steps", _("My due next steps")
    RED_LIGHTS = "red_lights", _("New red lights in my scope")
    SUPERVISION = "supervision", _("Supervision items due or overdue")
    CONFLICTS = "conflicts", _("New first-report conflicts")
    RETURNED = "returned", _("My evidence returned by a verifier")


class WebhookChannel(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk group robot (钉钉)")


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class PersonalSettings(models.Model):
    """One row per person: opt-outs, when the bell was last opened, the calendar feed token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    opted_out = models.JSONField(_("opted out of"), default=list, blank=True)
    bell_seen_at = models.DateTimeField(_("bell last opened"), null=True, blank=True)
    calendar_token = models.CharField(
        _("calendar feed token"), max_length=64, unique=True, default=_new_token
    )
    # A group robot's webhook (企业微信 or 钉钉) that also receives the person's digest, as a text
    # message, through the same delivery table as the e-mail.
    webhook_channel = models.CharField(
        _("webhook"), max_length=10, choices=WebhookChannel.choices, blank=True
    )
    webhook_url = models.URLField(_("webhook URL"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.user)

    def wants(self, kind: str) -> bool:
        return kind not in (self.opted_out or [])


class GroupRobot(models.Model):
    """A 企业微信 / 钉钉 group robot that receives the new red lights and the 督办 items of one
    region (a county's own group), or, with no region, of the whole city. Written through
    notifications.services (robot_save), by city staff; its URL must be on settings.WEBHOOK_HOSTS.
    A 钉钉 robot with 加签 has its secret here: every call is then signed."""

    name = models.CharField(_("group name"), max_length=100)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("webhook"), max_length=10, choices=WebhookChannel.choices)
    url = models.URLField(_("webhook URL"), max_length=500)
    secret = models.CharField(_("signing secret (DingTalk)"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["region__code", "name", "id"]
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One message to one person (or one group robot) on one channel, written before it is sent (an outbox): a send that
    fails stays here and is retried; `key` is unique, so a digest is never written (or sent) twice.
    The 企业微信 / 钉钉 webhooks are rows with their `channel` and the webhook URL as `address`."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WECOM = "wecom", _("WeCom (企业微信)")
        DINGTALK = "dingtalk", _("DingTalk (钉钉)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Gave up")

    # A person's message has its user; a group robot's (GroupRobot) has its robot instead.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    robot = models.ForeignKey(
        GroupRobot,
        verbose_name=_("group robot"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    key = models.CharField(_("key"), max_length=100, unique=True)
    address = models.CharField(_("address"), max_length=500)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due",
                condition=Q(status__in=["pending", "sending"]),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(robot__isnull=False),
                name="delivery_to_a_person_or_a_robot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"
