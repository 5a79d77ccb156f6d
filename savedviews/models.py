"""Saved views (保存的视图): a person's named filters and sort for one list.

A view stores the list's own query string (the parameters of that list's FilterSet, plus `sort`),
never a queryset or ids: opening it runs the list's FilterSet under the opener's scoping
(accounts.scoping), so sharing a view shares a question, never another county's rows.

This app sits just above `accounts` and below the domain apps: it knows list *names*
("projects", "enterprises", …), not their models; each list validates a view's query with its own
FilterSet when it applies it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class ListName(models.TextChoices):
    """The lists that can save views (the board reuses the projects' filters under its own name)."""

    PROJECTS = "projects", _("Projects")
    ENTERPRISES = "enterprises", _("Enterprises")
    EVENTS = "events", _("Events")
    BOARD = "board", _("Pipeline board")


class Sharing(models.TextChoices):
    PRIVATE = "private", _("Only me")
    REGION = "region", _("My region")
    CITY = "city", _("Whole city")


class SavedView(TimeStampedModel):
    """One named set of filters and sort of one list, private or shared with a region or the city."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    list_name = models.CharField(_("list"), max_length=20, choices=ListName.choices)
    name = models.CharField(_("view name"), max_length=40)
    # The list's query string, e.g. "stage=signed&region=140702&sort=-amount" (no page, no view).
    query = models.CharField(_("filters and sort"), max_length=2000, blank=True)
    sharing = models.CharField(
        _("shared with"), max_length=10, choices=Sharing.choices, default=Sharing.PRIVATE
    )
    # The region a REGION view is shared with: the owner's region when it was shared (a person who
    # later moves region does not carry their old region's views along).
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["list_name", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "list_name", "name"], name="savedview_unique_name"
            ),
            models.CheckConstraint(
                condition=~Q(sharing="region") | Q(region__isnull=False),
                name="savedview_region_when_shared_with_region",
            ),
        ]
        indexes = [models.Index(fields=["list_name", "sharing", "region"], name="savedview_shared")]

    def __str__(self) -> str:
        return self.name


class DefaultView(models.Model):
    """The view a person's list opens with when it is opened with no parameters: at most one per
    person per list. Its own row (not a flag on SavedView) so a colleague's shared view can be
    one's default too."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="default_views",
    )
    list_name = models.CharField(_("list"), max_length=20, choices=ListName.choices)
    view = models.ForeignKey(
        SavedView, verbose_name=_("saved view"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("default view")
        verbose_name_plural = _("default views")
        constraints = [
            models.UniqueConstraint(fields=["user", "list_name"], name="defaultview_one_per_list")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.list_name}"
