"""Users, each with one role and, for county-level roles, one region."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

from core.history import history


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("City administrator")
    CITY_STAFF = "city_staff", _("City staff")
    COUNTY_STAFF = "county_staff", _("County / zone staff")
    CITY_LEADER = "city_leader", _("City leader")
    COUNTY_OFFICIAL = "county_official", _("County official")
    API_CLIENT = "api_client", _("API client")


CITY_ROLES = {Role.CITY_ADMIN, Role.CITY_STAFF, Role.CITY_LEADER}
COUNTY_ROLES = {Role.COUNTY_STAFF, Role.COUNTY_OFFICIAL}


class User(AbstractUser):
    """A person (or an API client) using the CRM.

    City roles see everything; county roles belong to exactly one region and work within it.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CITY_STAFF)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("Required for county roles; empty means the whole city."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Derived from the full name by accounts.services.user_save on every write (the admin and the
    # demo data come there; core.textnorm.pinyin_keys), for global search by pinyin and initials
    # ("zlx" -> 张立新), as a contact's are.
    name_pinyin = models.CharField(
        _("pinyin"), max_length=255, blank=True, editable=False, db_default=""
    )
    name_initials = models.CharField(
        _("initials"), max_length=100, blank=True, editable=False, db_default=""
    )

    # Who changed a user's role, region, activity or grants, and when. The password hash and the
    # login timestamp stay out: old hashes must not pile up, and logins are not changes; the name's
    # pinyin and initials are derived from the name, which is kept.
    history = history(
        excluded_fields=("password", "last_login", "name_pinyin", "name_initials"),
        m2m_fields=["groups", "user_permissions"],
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("api_write", _("May write through the API (API clients are read-only without it)")),
        ]

    def clean(self) -> None:
        super().clean()
        if self.role in COUNTY_ROLES and self.region_id is None:
            raise ValidationError({"region": _("County roles belong to one region.")})
        if self.role in CITY_ROLES and self.region_id is not None and not self.region.is_city:
            raise ValidationError({"region": _("City roles belong to the whole city.")})

    @property
    def display_name(self) -> str:
        return self.display_name_of(self.last_name, self.first_name, self.username)

    @staticmethod
    def display_name_of(last_name: str, first_name: str, username: str) -> str:
        """The name shown for a person: family and given name, else the username (read as values
        by the pipeline board's cards, projects.selectors)."""
        full = f"{last_name or ''}{first_name or ''}".strip()
        return full or username


class ApiToken(AbstractAuthToken):
    """An API token (knox): stored only as a hash, optionally expiring, optionally read-only.

    The plain token is shown once, when it is created (profile page, admin, or
    POST /api/v1/auth/token/); whoever loses it makes a new one.
    """

    name = models.CharField(_("name"), max_length=100, blank=True)
    read_only = models.BooleanField(
        _("read-only"), default=False, help_text=_("A read-only token can read but never write.")
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.token_key}… {self.name}".strip()
