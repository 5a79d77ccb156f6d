"""Enterprises (企业/客商), their chain roles and supplier links, and the parks that host them."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.history import history
from core.models import TimeStampedModel
from core.softdelete import SoftDeleteModel
from core.textnorm import check_name_characters

MONEY = {"max_digits": 18, "decimal_places": 6}


class IndustrialPark(TimeStampedModel):
    """A park, a development zone (经济技术开发区) or a specialty town (特色专业镇), in one region."""

    class Kind(models.TextChoices):
        PARK = "park", _("Industrial park")
        DEV_ZONE = "dev_zone", _("Development zone")
        SPECIALTY_TOWN = "specialty_town", _("Specialty town")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PARK)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="parks"
    )
    leading_chains = models.ManyToManyField(
        "core.IndustryChain", verbose_name=_("leading chains"), blank=True, related_name="parks"
    )
    description = models.TextField(_("description"), blank=True, max_length=5000)
    # Derived from the name by enterprises.services.park_save on every write
    # (core.textnorm.pinyin_keys), for global search by pinyin and initials, as projects have theirs.
    name_pinyin = models.CharField(
        _("pinyin"), max_length=255, blank=True, editable=False, db_default=""
    )
    name_initials = models.CharField(
        _("initials"), max_length=100, blank=True, editable=False, db_default=""
    )

    history = history(excluded_fields=("updated_at", "name_pinyin", "name_initials"))

    class Meta:
        ordering = ["region__sort_order", "name"]
        verbose_name = _("industrial park")
        verbose_name_plural = _("industrial parks")

    def clean(self) -> None:
        # The admin's form (parks have no page of their own) refuses invisible direction controls.
        try:
            check_name_characters(self.name)
        except ValidationError as exc:
            raise ValidationError({"name": exc.messages}) from exc

    def __str__(self) -> str:
        return self.name


class InvestorOrigin(models.TextChoices):
    JJJ = "jjj", _("Beijing-Tianjin-Hebei")
    YRD = "yrd", _("Yangtze River Delta")
    PRD = "prd", _("Pearl River Delta")
    IN_PROVINCE = "in_province", _("Within Shanxi")
    OTHER_DOMESTIC = "other_domestic", _("Elsewhere in China")
    OVERSEAS = "overseas", _("Outside mainland China")


class Ownership(models.TextChoices):
    STATE = "state", _("State-owned")
    PRIVATE = "private", _("Private")
    FOREIGN = "foreign", _("Foreign-invested")
    HMT = "hmt", _("Hong Kong, Macao, Taiwan")
    MIXED = "mixed", _("Mixed ownership")
    COLLECTIVE = "collective", _("Collective")


class Tier(models.TextChoices):
    """十百千梯队 by the larger of yearly output value and sales revenue (DESIGN.md 口径)."""

    HUNDRED_YI = "100yi", _("≥10 billion yuan (百亿级)")
    TEN_YI = "10yi", _("≥1 billion yuan (十亿级)")
    ONE_YI = "1yi", _("≥100 million yuan (亿元级)")
    NONE = "", _("Below 100 million yuan")


TIER_THRESHOLDS_WAN = [  # 万元
    (Decimal("1000000"), Tier.HUNDRED_YI),
    (Decimal("100000"), Tier.TEN_YI),
    (Decimal("10000"), Tier.ONE_YI),
]


def tier_for_output(output_wan: Decimal | None) -> str:
    """The tier of a yearly figure in 万元 (the larger of output value and revenue: tier_figure)."""
    if output_wan is None:
        return Tier.NONE
    for threshold, tier in TIER_THRESHOLDS_WAN:
        if output_wan >= threshold:
            return tier
    return Tier.NONE


def tier_figure(output_value: Decimal | None, revenue: Decimal | None) -> Decimal | None:
    """What one year counts for the 十百千 tier: the larger of output value and sales revenue."""
    figures = [v for v in (output_value, revenue) if v is not None]
    return max(figures) if figures else None


class Enterprise(SoftDeleteModel, TimeStampedModel):
    """A company: a local enterprise or an outside investor (客商).

    `normalized_name`, `name_pinyin` and `name_initials` are derived by the service on every save and
    serve matching (首报首谈) and autocomplete; `tier` follows `tier_value`, the larger of output
    value and sales revenue in the latest year that has either (the 十百千 counting caliber).
    """

    name = models.CharField(_("name"), max_length=200)
    normalized_name = models.CharField(
        _("normalised name"), max_length=200, db_index=True, editable=False
    )
    name_pinyin = models.CharField(_("pinyin"), max_length=255, blank=True, editable=False)
    name_initials = models.CharField(_("initials"), max_length=100, blank=True, editable=False)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    is_local = models.BooleanField(
        _("located in Jinzhong"), default=False, help_text=_("Registered or operating in Jinzhong.")
    )
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    park = models.ForeignKey(
        IndustrialPark,
        verbose_name=_("park"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enterprises",
    )
    origin_province = models.CharField(_("province of origin"), max_length=30, blank=True)
    origin_city = models.CharField(_("city of origin"), max_length=30, blank=True)
    investor_origin = models.CharField(
        _("investor origin"), max_length=20, choices=InvestorOrigin.choices, blank=True
    )
    ownership = models.CharField(
        _("ownership"), max_length=20, choices=Ownership.choices, blank=True
    )
    main_chain = models.ForeignKey(
        "core.IndustryChain",
        verbose_name=_("main industry chain"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enterprises",
    )
    main_link = models.ForeignKey(
        "core.ChainLink",
        verbose_name=_("main chain link"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enterprises",
    )
    latest_output_value = models.DecimalField(
        _("latest output value (万元)"), null=True, blank=True, editable=False, **MONEY
    )
    tier_value = models.DecimalField(
        _("tier basis (万元)"), null=True, blank=True, editable=False, **MONEY
    )
    tier = models.CharField(
        _("tier"), max_length=10, choices=Tier.choices, blank=True, editable=False
    )
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    # The form's one-time token: a double-submitted form finds the enterprise it already created.
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = history()

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="enterprise_unique_credit_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EnterpriseContact(TimeStampedModel):
    """A person at an enterprise; mobile numbers are matched across counties (首报首谈)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("title"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    mobile_normalized = models.CharField(max_length=11, blank=True, db_index=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=50, blank=True)
    # Derived from the name by contact_add / contact_update (core.textnorm.pinyin_keys), for
    # global search by pinyin and initials ("zlx" -> 张立新).
    name_pinyin = models.CharField(
        _("pinyin"), max_length=255, blank=True, editable=False, db_default=""
    )
    name_initials = models.CharField(
        _("initials"), max_length=100, blank=True, editable=False, db_default=""
    )

    history = history(excluded_fields=("updated_at", "name_pinyin", "name_initials"))

    class Meta:
        ordering = ["enterprise", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.enterprise})"


class EnterpriseYearFigure(TimeStampedModel):
    """An enterprise's figures for one year (产值, 营收, 利润, 税收, 从业人员)."""

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="year_figures",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    output_value = models.DecimalField(_("output value (万元)"), null=True, blank=True, **MONEY)
    revenue = models.DecimalField(_("revenue (万元)"), null=True, blank=True, **MONEY)
    profit = models.DecimalField(_("profit (万元)"), null=True, blank=True, **MONEY)
    tax = models.DecimalField(_("tax paid (万元)"), null=True, blank=True, **MONEY)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)

    history = history()

    class Meta:
        ordering = ["enterprise", "-year"]
        verbose_name = _("yearly figures")
        verbose_name_plural = _("yearly figures")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="yearfigure_unique_year"),
            models.CheckConstraint(
                condition=Q(year__gte=1949) & Q(year__lte=2100), name="yearfigure_year_range"
            ),
            models.CheckConstraint(
                condition=Q(output_value__isnull=True) | Q(output_value__gte=0),
                name="yearfigure_output_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(revenue__isnull=True) | Q(revenue__gte=0),
                name="yearfigure_revenue_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(tax__isnull=True) | Q(tax__gte=0), name="yearfigure_tax_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}"


class ChainLeaderRole(TimeStampedModel):
    """An enterprise's role as 链主 (chain leader) or 链核 (chain core) on one industry chain."""

    class Level(models.TextChoices):
        PROVINCIAL = "provincial", _("Provincial")
        MUNICIPAL = "municipal", _("Municipal")
        COUNTY = "county", _("County")

    class Kind(models.TextChoices):
        LEADER = "leader", _("Chain leader (链主)")
        CORE = "core", _("Chain core (链核)")

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="chain_roles",
    )
    chain = models.ForeignKey(
        "core.IndustryChain",
        verbose_name=_("industry chain"),
        on_delete=models.PROTECT,
        related_name="leader_roles",
    )
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    kind = models.CharField(_("role"), max_length=8, choices=Kind.choices, default=Kind.LEADER)
    since = models.DateField(_("since"), null=True, blank=True)

    history = history()

    class Meta:
        ordering = ["chain", "level"]
        verbose_name = _("chain-leader role")
        verbose_name_plural = _("chain-leader roles")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "chain", "level"], name="chainrole_unique_per_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.chain} · {self.get_level_display()}{self.get_kind_display()}"


class SupplierLink(TimeStampedModel):
    """Enterprise `supplier` supplies chain leader `leader` on chain link `link` (配套企业)."""

    supplier = models.ForeignKey(
        Enterprise, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="supplies"
    )
    leader = models.ForeignKey(
        Enterprise,
        verbose_name=_("chain leader"),
        on_delete=models.CASCADE,
        related_name="suppliers",
    )
    link = models.ForeignKey(
        "core.ChainLink",
        verbose_name=_("chain link"),
        on_delete=models.PROTECT,
        related_name="supplier_links",
    )
    is_local = models.BooleanField(_("local supplier"), default=False)
    since = models.DateField(_("since"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    history = history()

    class Meta:
        ordering = ["leader", "link", "supplier"]
        verbose_name = _("supplier link")
        verbose_name_plural = _("supplier links")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "leader", "link"], name="supplierlink_unique"
            ),
            models.CheckConstraint(
                condition=~Q(supplier=models.F("leader")), name="supplierlink_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} → {self.leader} ({self.link.name})"
