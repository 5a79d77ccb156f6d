from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.forms import DateInput, MoneyField, StyledFormMixin
from core.models import ChainLink, IndustryChain, PromotionMethod, Region
from core.validators import validate_phone
from enterprises.models import Enterprise, IndustrialPark

from .models import ClaimConflict, FollowUp, Stage
from .selectors import owner_candidates


class QuickLeadForm(StyledFormMixin, forms.Form):
    """The 30-second lead: what a clerk knows after the first phone call."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Project name"), max_length=200)
    investor_name = forms.CharField(
        label=_("Investor"),
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "list": "investor-suggestions",
                "data-autocomplete": reverse_lazy("enterprises:autocomplete"),
                # Says under the field whether the lead will reuse a known enterprise or create one.
                "hx-get": reverse_lazy("projects:investor_status"),
                "hx-trigger": "input changed delay:400ms, change",
                "hx-target": "#investor-status",
                "hx-swap": "outerHTML",
                "hx-include": "[name=credit_code]",
                "hx-sync": "this:replace",
            }
        ),
        help_text=_(
            "Type Chinese, pinyin or initials (e.g. jl for 吉利) to pick a known enterprise."
        ),
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=30, required=False
    )
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all())
    chain = forms.ModelChoiceField(
        label=_("Industry chain"), queryset=IndustryChain.objects.all(), required=False
    )
    planned_investment = MoneyField(label=_("Planned investment (万元)"))
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_mobile = forms.CharField(
        label=_("Contact mobile"),
        max_length=30,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if (
            user is not None
            and user.region_id
            and not user.is_superuser
            and user.role == "county_staff"
        ):
            self.fields["region"].queryset = Region.objects.filter(pk=user.region_id)
            self.fields["region"].initial = user.region_id


class EnterpriseByNameField(forms.CharField):
    """An existing enterprise, typed by name (or credit code) with the enterprise autocomplete,
    instead of a select of every enterprise in the city."""

    default_error_messages = {
        "unknown": _(
            "No enterprise is named “%(name)s”. Pick one from the suggestions, or register it "
            "under Enterprises first."
        ),
        "ambiguous": _(
            "Several enterprises are named “%(name)s”: enter the unified social credit code instead."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "autocomplete": "off",
                    "list": "investor-suggestions",
                    "data-autocomplete": reverse_lazy("enterprises:autocomplete"),
                }
            ),
        )
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Enterprise):
            return value.name
        return value

    def clean(self, value):
        text = super().clean(value)  # the typed text: required, max_length
        if text in self.empty_values:
            return None
        matches = list(
            Enterprise.objects.filter(Q(name=text) | Q(credit_code=text.upper())).order_by("id")[:2]
        )
        if not matches:
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"name": text}
            )
        if len(matches) > 1:
            raise forms.ValidationError(
                self.error_messages["ambiguous"], code="ambiguous", params={"name": text}
            )
        return matches[0]


CORRECTION = "correction_reason"
# What KeptChoiceField.clean answers for a relation sent back as the project has it.
KEPT = object()


class KeptChoiceField(forms.ModelChoiceField):
    """A choice of one of the project's relations whose queryset is every row. Sent back as the
    project has it, it is not read again (its foreign key guarantees the row): `clean` answers
    KEPT, and ProjectForm.changed_values leaves the field out, so the project keeps it. A choice
    that changed is read and checked as ever."""

    kept = None  # the project's stored id (ProjectForm sets it on its own copy of the field)

    def clean(self, value):
        if (
            self.kept is not None
            and value not in self.empty_values
            and str(value) == str(self.kept)
        ):
            return KEPT
        return super().clean(value)


class ProjectForm(StyledFormMixin, forms.Form):
    """Editing a project's fields (not its stage). Saved through projects.services.project_update."""

    name = forms.CharField(label=_("Project name"), max_length=200)
    investor = EnterpriseByNameField(
        label=_("Investor"),
        help_text=_(
            "Type Chinese, pinyin or initials (e.g. jl for 吉利) to pick a known enterprise."
        ),
    )
    region = KeptChoiceField(label=_("Region"), queryset=Region.objects.all())
    park = KeptChoiceField(label=_("Park"), queryset=IndustrialPark.objects.all(), required=False)
    chain = KeptChoiceField(
        label=_("Industry chain"), queryset=IndustryChain.objects.all(), required=False
    )
    chain_link = KeptChoiceField(
        label=_("Chain link"), queryset=ChainLink.objects.select_related("chain"), required=False
    )
    method = KeptChoiceField(
        label=_("Promotion method"), queryset=PromotionMethod.objects.all(), required=False
    )
    # Not kept: only some users may own a project, checked on every save.
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.filter(is_active=True), required=False
    )
    planned_investment = MoneyField(label=_("Planned total investment (万元)"))
    fixed_asset_investment = MoneyField(label=_("Fixed-asset investment (万元)"), required=False)
    expected_annual_output = MoneyField(label=_("Expected yearly output (万元)"), required=False)
    expected_annual_tax = MoneyField(label=_("Expected yearly tax (万元)"), required=False)
    expected_jobs = forms.IntegerField(
        label=_("Expected jobs"), min_value=0, max_value=10_000_000, required=False
    )
    registered_on = forms.DateField(label=_("Registered on"), widget=DateInput)
    negotiating_on = forms.DateField(
        label=_("Negotiation started on"), widget=DateInput, required=False
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput, required=False)
    started_on = forms.DateField(
        label=_("Construction started on"), widget=DateInput, required=False
    )
    producing_on = forms.DateField(
        label=_("Production started on"), widget=DateInput, required=False
    )
    at_capacity_on = forms.DateField(
        label=_("Reached capacity on"), widget=DateInput, required=False
    )
    planned_sign_on = forms.DateField(
        label=_("Planned signing date"), widget=DateInput, required=False
    )
    planned_start_on = forms.DateField(
        label=_("Planned start date"), widget=DateInput, required=False
    )
    planned_production_on = forms.DateField(
        label=_("Planned production date"), widget=DateInput, required=False
    )
    is_out_of_province = forms.BooleanField(
        label=_("Out-of-province investment (省外)"), required=False
    )
    is_foreign = forms.BooleanField(label=_("Foreign investment (外资)"), required=False)
    is_confidential = forms.BooleanField(label=_("Confidential"), required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000, required=False
    )
    # Not a project field: why an edit that moves a figure of a locked period is made (issue 21).
    correction_reason = forms.CharField(
        label=_("Correction reason"),
        max_length=500,
        required=False,
        help_text=_("Only for an edit that changes figures of a locked period."),
    )

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only people who may edit the project can own it (not leaders, officials, API clients).
        self.fields["owner"].queryset = owner_candidates(
            region=project.region_id if project is not None else None
        )
        if project is not None:
            for name, field in self.fields.items():
                if isinstance(field, KeptChoiceField):
                    field.kept = getattr(project, f"{name}_id")

    @classmethod
    def initial_for(cls, project) -> dict:
        return {field: getattr(project, field) for field in cls.base_fields if field != CORRECTION}

    def changed_values(self) -> dict:
        """Every field of the form but the relations the project keeps (KEPT), for
        projects.services.project_update (the correction reason included, which is not a field
        of the project)."""
        values = {field: self.cleaned_data.get(field) for field in self.base_fields}
        return {field: value for field, value in values.items() if value is not KEPT} | {
            "notes": self.cleaned_data.get("notes") or "",
            CORRECTION: self.cleaned_data.get(CORRECTION) or "",
        }


class StageForm(StyledFormMixin, forms.Form):
    to = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    on = forms.DateField(label=_("Milestone date"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class FollowUpForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=FollowUp.Kind.choices)
    happened_on = forms.DateField(label=_("Date"), widget=DateInput)
    summary = forms.CharField(
        label=_("Summary"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_step = forms.CharField(label=_("Next step"), max_length=500, required=False)
    next_due_on = forms.DateField(label=_("Next step due"), widget=DateInput, required=False)


class MonthlyAmountForm(StyledFormMixin, forms.Form):
    KIND_CHOICES = [("funds", _("Funds in place")), ("completed", _("Completed investment"))]

    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES)
    month = forms.DateField(
        label=_("Month"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d", "%Y/%m", "%Y年%m月"],
    )
    amount = MoneyField(label=_("Amount (万元)"))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    correction_reason = forms.CharField(
        label=_("Correction reason"),
        max_length=500,
        required=False,
        help_text=_("Only for an edit that changes figures of a locked period."),
    )


class ClaimDecisionForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[c for c in ClaimConflict.Status.choices if c[0] != ClaimConflict.Status.OPEN],
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
