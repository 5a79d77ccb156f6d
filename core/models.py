"""Reference data every other app points at: regions, industry chains and their links, methods."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.files import private_upload_to
from core.history import history


class TimeStampedModel(models.Model):
    """Adds created / modified timestamps."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Region(TimeStampedModel):
    """A reporting unit: Jinzhong city, one of its 11 county-level divisions, or a development zone.

    `code` is the GB/T 2260 code (e.g. 140702 榆次区). A development zone that reports on its own has
    no GB/T 2260 code and gets a short internal one instead (晋中开发区: JZKFQ).
    """

    class Kind(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        COUNTY = "county", _("County")
        COUNTY_CITY = "county_city", _("County-level city")
        ZONE = "zone", _("Development zone")

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def is_city(self) -> bool:
        return self.kind == self.Kind.CITY


class IndustryChain(TimeStampedModel):
    """An industry chain the city promotes (产业链), e.g. 新能源汽车, 特钢材料."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("industry chain")
        verbose_name_plural = _("industry chains")

    def __str__(self) -> str:
        return self.name


class ChainLink(TimeStampedModel):
    """A segment of a chain (产业链环节): upstream, midstream or downstream, possibly under a parent."""

    class Position(models.TextChoices):
        UPSTREAM = "upstream", _("Upstream")
        MIDSTREAM = "midstream", _("Midstream")
        DOWNSTREAM = "downstream", _("Downstream")

    chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("industry chain"),
        on_delete=models.CASCADE,
        related_name="links",
    )
    name = models.CharField(_("name"), max_length=50)
    position = models.CharField(_("position"), max_length=12, choices=Position.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent link"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["chain", "sort_order", "name"]
        verbose_name = _("chain link")
        verbose_name_plural = _("chain links")
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "name"], name="chainlink_unique_name_per_chain"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chain.name} · {self.name}"


class PromotionMethod(TimeStampedModel):
    """A way of promoting investment (招商方式); a configurable list."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("promotion method")
        verbose_name_plural = _("promotion methods")

    def __str__(self) -> str:
        return self.name


class Attachment(models.Model):
    """A file attached to any record (a contract on a signing, a start photo on a project, a bank
    voucher on funds in place). Stored outside the web root under a random name; served only by
    `accounts.views.attachment_download`, to users who may see the record it is attached to."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    file = models.FileField(_("file"), upload_to=private_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    mime_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = history(excluded_fields=())

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_record")]

    def __str__(self) -> str:
        return self.original_name
