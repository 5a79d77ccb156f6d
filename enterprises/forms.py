"""Forms of the enterprise pages. They only parse and present; the rules live in services.py, which
the views call with `cleaned_data` (a service ValidationError is put back on the form's fields)."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.scoping import is_city_wide
from core.credit_code import normalize_credit_code, validate_credit_code
from core.forms import MoneyField, StyledFormMixin
from core.models import ChainLink, IndustryChain, Region
from core.validators import validate_phone

from .models import Enterprise, IndustrialPark, InvestorOrigin, Ownership


class SignedMoneyField(MoneyField):
    """A 万元 amount that may be a loss: "-200", "-0.2亿" (profit)."""

    def to_python(self, value):
        text = (value or "").strip() if isinstance(value, str) else value
        if isinstance(text, str) and text.startswith("-"):
            amount = super().to_python(text[1:])
            return None if amount is None else -amount
        return super().to_python(value)


class UserFormMixin:
    """Forms that need the user (to narrow choices to what the user may write)."""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class EnterpriseForm(UserFormMixin, StyledFormMixin, forms.Form):
    """Create or edit an enterprise. Saved through enterprise_create / enterprise_update."""

    token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Enterprise name"), max_length=200)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=40,
        required=False,
        help_text=_("18 characters; the last one is a check character."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    is_local = forms.BooleanField(label=_("Located in Jinzhong"), required=False)
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.all(), required=False, to_field_name="code"
    )
    park = forms.ModelChoiceField(
        label=_("Park"), queryset=IndustrialPark.objects.select_related("region"), required=False
    )
    origin_province = forms.CharField(label=_("Province of origin"), max_length=30, required=False)
    origin_city = forms.CharField(label=_("City of origin"), max_length=30, required=False)
    investor_origin = forms.ChoiceField(
        label=_("Investor origin"), choices=[("", "—"), *InvestorOrigin.choices], required=False
    )
    ownership = forms.ChoiceField(
        label=_("Ownership"), choices=[("", "—"), *Ownership.choices], required=False
    )
    main_chain = forms.ModelChoiceField(
        label=_("Main industry chain"),
        queryset=IndustryChain.objects.all(),
        required=False,
        to_field_name="code",
    )
    main_link = forms.ModelChoiceField(
        label=_("Main chain link"),
        queryset=ChainLink.objects.select_related("chain"),
        required=False,
    )
    website = forms.URLField(
        label=_("Website"), max_length=200, required=False, assume_scheme="https"
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].empty_label = _("— none / outside Jinzhong —")
        self.fields["park"].empty_label = "—"
        self.fields["main_chain"].empty_label = "—"
        self.fields["main_link"].empty_label = "—"
        user = self.user
        if user is not None and user.region_id and not is_city_wide(user):
            # County staff write enterprises of their own region (or with none).
            self.fields["region"].queryset = Region.objects.filter(pk=user.region_id)
            self.fields["park"].queryset = IndustrialPark.objects.filter(region_id=user.region_id)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Please enter the enterprise name."))
        return name

    def clean_credit_code(self) -> str:
        code = self.cleaned_data["credit_code"].strip()
        if not code:
            return ""
        validate_credit_code(code)
        return normalize_credit_code(code)

    def clean(self):
        data = super().clean()
        link, chain = data.get("main_link"), data.get("main_chain")
        if link and chain and link.chain_id != chain.pk:
            self.add_error("main_link", _("The chain link does not belong to the main chain."))
        if link and not chain:
            data["main_chain"] = link.chain
        park, region = data.get("park"), data.get("region")
        if park and not region:
            data["region"] = park.region
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("token", None)
        return data

    @classmethod
    def initial_for(cls, enterprise: Enterprise) -> dict:
        return {
            "name": enterprise.name,
            "credit_code": enterprise.credit_code,
            "is_local": enterprise.is_local,
            "region": enterprise.region.code if enterprise.region else None,
            "park": enterprise.park_id,
            "origin_province": enterprise.origin_province,
            "origin_city": enterprise.origin_city,
            "investor_origin": enterprise.investor_origin,
            "ownership": enterprise.ownership,
            "main_chain": enterprise.main_chain.code if enterprise.main_chain else None,
            "main_link": enterprise.main_link_id,
            "website": enterprise.website,
            "notes": enterprise.notes,
        }


def new_token() -> uuid.UUID:
    return uuid.uuid4()


class ContactForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Contact name"), max_length=50)
    title = forms.CharField(label=_("Job title"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    wechat = forms.CharField(label=_("WeChat"), max_length=50, required=False)

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("phone", "email", "wechat")) and not self.errors:
            raise ValidationError(_("Please enter at least one way to reach the contact."))
        return data


def _year_choices() -> list[tuple[int, int]]:
    this_year = dt.date.today().year
    return [(y, str(y)) for y in range(this_year, 1989, -1)]  # str: no "2,026" grouping


class YearFiguresForm(StyledFormMixin, forms.Form):
    """One year's figures; amounts in 万元 with an optional unit."""

    year = forms.TypedChoiceField(
        label=_("Year"),
        coerce=int,
        choices=_year_choices,
        initial=lambda: dt.date.today().year - 1,  # figures usually come for the last full year
    )
    output_value = MoneyField(label=_("Output value (万元)"), required=False)
    revenue = MoneyField(label=_("Revenue (万元)"), required=False)
    profit = SignedMoneyField(
        label=_("Profit (万元)"),
        required=False,
        help_text=_("A loss is entered with a minus sign."),
    )
    tax = MoneyField(label=_("Tax paid (万元)"), required=False)
    employees = forms.IntegerField(
        label=_("Employees"), min_value=0, max_value=10_000_000, required=False
    )

    def clean(self):
        data = super().clean()
        figures = ("output_value", "revenue", "profit", "tax", "employees")
        if not self.errors and all(data.get(f) is None for f in figures):
            raise ValidationError(_("Please enter at least one figure for the year."))
        return data
