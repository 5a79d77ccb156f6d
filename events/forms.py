"""Forms of the event pages. They only collect and shape input; every rule is in events.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.scoping import scope_projects
from core.forms import MoneyField, StyledFormMixin
from core.models import IndustryChain, Region
from enterprises.models import Enterprise
from projects.models import Currency, Project, Stage

from . import selectors
from .models import AgreementKind, BatchMilestone, EventAgreement, EventKind, PromotionEvent


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class BootstrapMixin:
    """Tabler/Bootstrap classes on every widget, without a form-rendering dependency."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def _region_choices_for(user):
    """County staff organise events of their own region; city staff any region."""
    qs = Region.objects.all()
    if user is not None and not user.is_superuser and user.role == "county_staff":
        qs = qs.filter(pk=user.region_id)
    return qs


class EventForm(BootstrapMixin, forms.Form):
    kind = forms.ModelChoiceField(
        label=_("Kind"), queryset=EventKind.objects.filter(is_active=True)
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    start_on = forms.DateField(label=_("Start date"), widget=DateInput())
    end_on = forms.DateField(
        label=_("End date"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for a one-day event."),
    )
    place_city = forms.CharField(label=_("City"), max_length=100)
    place_province = forms.CharField(label=_("Province"), max_length=30, required=False)
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    organisers = forms.ModelMultipleChoiceField(
        label=_("Organising regions"), queryset=Region.objects.all()
    )
    leading_official = forms.CharField(label=_("Leading official"), max_length=100, required=False)
    enterprises = forms.ModelMultipleChoiceField(
        label=_("Participating enterprises"),
        queryset=Enterprise.objects.order_by("name"),
        required=False,
    )
    projects_negotiated = forms.ModelMultipleChoiceField(
        label=_("Projects negotiated"), queryset=Project.objects.none(), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisers"].queryset = _region_choices_for(user)
        self.fields["projects_negotiated"].queryset = scope_projects(
            Project.objects.select_related("region").order_by("region__sort_order", "name"), user
        )
        self.fields["projects_negotiated"].label_from_instance = lambda p: (
            f"{p.name} · {p.region.name}"
        )
        for name in ("organisers", "enterprises", "projects_negotiated"):
            self.fields[name].widget.attrs["size"] = 6
            self.fields[name].help_text = _("Hold Ctrl (⌘ on a Mac) to choose several.")


class SigningRowForm(BootstrapMixin, forms.Form):
    """One signing: pick an existing project, or fill in a new one."""

    project = forms.ModelChoiceField(
        label=_("Project"), queryset=Project.objects.none(), required=False
    )
    new_name = forms.CharField(label=_("or a new project"), max_length=200, required=False)
    new_investor = forms.CharField(label=_("Investor"), max_length=200, required=False)
    new_region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.all(), required=False
    )
    new_chain = forms.ModelChoiceField(
        label=_("Industry chain"), queryset=IndustryChain.objects.all(), required=False
    )
    signed_on = forms.DateField(label=_("Signing date"), widget=DateInput())
    amount = forms.CharField(
        label=_("Amount (万元)"),
        max_length=40,
        required=False,
        help_text=_("e.g. 3500, 3.5亿; empty = the project's planned investment"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    agreement_kind = forms.ChoiceField(
        label=_("Agreement kind"), choices=AgreementKind.choices, initial=AgreementKind.FORMAL
    )
    # Not a signing field: why a row that moves a figure of a locked period is recorded (issue 21;
    # the same field as the single-signing form, passed to the same signing_record).
    correction_reason = forms.CharField(
        label=_("Correction reason"),
        max_length=500,
        required=False,
        help_text=_("Only for an edit that changes figures of a locked period."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = scope_projects(
            Project.objects.exclude(stage=Stage.DROPPED)
            .select_related("region")
            .order_by("region__sort_order", "name"),
            user,
        )
        self.fields["project"].label_from_instance = lambda p: f"{p.name} · {p.region.name}"
        self.fields["project"].empty_label = _("— choose a project —")
        self.fields["new_region"].queryset = _region_choices_for(user)

    @property
    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not (data.get("project") or data.get("new_name"))


class BaseSigningFormSet(forms.BaseFormSet):
    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "user": self.user}


SigningFormSet = forms.formset_factory(
    SigningRowForm, formset=BaseSigningFormSet, extra=4, max_num=50, validate_max=True
)


class ProjectSigningForm(StyledFormMixin, forms.Form):
    """Sign one project from its own page, at an event or outside any (the fields of
    `services.signing_record`, which holds every rule)."""

    signed_on = forms.DateField(label=_("Signing date"), widget=DateInput())
    amount = MoneyField(
        label=_("Signed amount (万元)"),
        help_text=_("The project's planned investment unless the agreement says otherwise."),
    )
    agreement_kind = forms.ChoiceField(
        label=_("Agreement kind"), choices=AgreementKind.choices, initial=AgreementKind.FORMAL
    )
    event = forms.ModelChoiceField(
        label=_("Promotion event"),
        queryset=PromotionEvent.objects.none(),
        required=False,
        empty_label=_("— signed outside an event —"),
        help_text=_("A signing at an event falls within the event's dates."),
    )
    note = forms.CharField(
        label=_("Notes"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Not a signing field: why a signing in a locked period is recorded (issue 21).
    correction_reason = forms.CharField(
        label=_("Correction reason"),
        max_length=500,
        required=False,
        help_text=_("Only for an edit that changes figures of a locked period."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = selectors.events_for_signing(user=user)
        self.fields["event"].label_from_instance = lambda e: f"{e.start_on:%Y-%m-%d} {e.title}"


class AttachmentForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class AgreementForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EventAgreement.Kind.choices)
    description = forms.CharField(label=_("Description"), max_length=300)
    counterparty = forms.CharField(label=_("Counterparty"), max_length=200, required=False)
    quantity = forms.IntegerField(label=_("Number"), min_value=1, initial=1)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial="CNY")
    original_amount = forms.CharField(
        label=_("Amount (万, in that currency)"), max_length=40, required=False
    )
    exchange_rate = forms.DecimalField(
        label=_("Exchange rate to CNY"), required=False, max_digits=12, decimal_places=6
    )
    rate_date = forms.DateField(label=_("Rate date"), required=False, widget=DateInput())


class BatchForm(BootstrapMixin, forms.Form):
    milestone = forms.ChoiceField(label=_("Milestone"), choices=BatchMilestone.Milestone.choices)
    projects = forms.ModelMultipleChoiceField(label=_("Projects"), queryset=Project.objects.none())
    # Not a batch field: why a ceremony in a locked period moves its figures (issue 21).
    correction_reason = forms.CharField(
        label=_("Correction reason"),
        max_length=500,
        required=False,
        help_text=_("Only for an edit that changes figures of a locked period."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].queryset = scope_projects(
            Project.objects.filter(stage__in=[Stage.SIGNED, Stage.STARTED])
            .select_related("region")
            .order_by("region__sort_order", "name"),
            user,
        )
        self.fields["projects"].label_from_instance = lambda p: f"{p.name} · {p.region.name}"
        self.fields["projects"].widget.attrs["size"] = 8


class StatsForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", _("Whole year")), (1, _("Q1")), (2, _("Q2")), (3, _("Q3")), (4, _("Q4"))],
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All regions"),
    )
