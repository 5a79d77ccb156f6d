from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from core.models import ChainLink, IndustryChain, Region
from enterprises.models import IndustrialPark

from .models import ChainTarget


class MapFilterForm(forms.Form):
    """The chain map's `region` (GB/T 2260 code or JZKFQ) and `park` (id) filters."""

    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.exclude(kind=Region.Kind.CITY),
        to_field_name="code",
        required=False,
        empty_label=_("All regions"),
    )
    park = forms.ModelChoiceField(
        label=_("Park"),
        queryset=IndustrialPark.objects.select_related("region"),
        required=False,
        empty_label=_("All parks"),
    )

    def __init__(self, *args, chain: IndustryChain | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select"


class ChainLinkForm(forms.ModelForm):
    class Meta:
        model = ChainLink
        fields = ["name", "position", "parent", "sort_order"]

    def __init__(self, *args, chain: IndustryChain, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = chain.links.all()
        self.fields["parent"].required = False
        self.fields["parent"].label_from_instance = lambda link: link.name
        for name, f in self.fields.items():
            css = "form-select" if name in ("position", "parent") else "form-control"
            f.widget.attrs["class"] = css + " form-control-sm" if css == "form-control" else css

    def validate_unique(self):
        """Uniqueness is the service's job (the chain is not a form field here)."""


ChainLinkFormSet = forms.modelformset_factory(
    ChainLink, form=ChainLinkForm, extra=2, can_delete=True
)


class TargetForm(forms.ModelForm):
    class Meta:
        model = ChainTarget
        fields = ["link", "name", "origin", "priority", "owner", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, chain: IndustryChain, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["link"].queryset = chain.links.all()
        self.fields["link"].label_from_instance = lambda link: link.name
        self.fields["owner"].queryset = get_user_model().objects.filter(
            is_active=True, role__in=["city_admin", "city_staff", "county_staff"]
        )
        self.fields["owner"].label_from_instance = lambda u: u.display_name
        for name, f in self.fields.items():
            f.widget.attrs["class"] = (
                "form-select" if name in ("link", "priority", "owner") else "form-control"
            )

    def validate_unique(self):
        """The service reports a duplicate target with a clearer message."""


class TargetStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            c for c in ChainTarget.Status.choices if c[0] != ChainTarget.Status.CONVERTED.value
        ],
    )


class ConvertForm(forms.Form):
    """What a lead needs beyond what the target already says."""

    name = forms.CharField(label=_("Project name"), max_length=200, required=False)
    region = forms.ModelChoiceField(
        label=_("Region that follows the lead"),
        queryset=Region.objects.exclude(kind=Region.Kind.CITY),
    )
    park = forms.ModelChoiceField(
        label=_("Park"), queryset=IndustrialPark.objects.all(), required=False
    )
    planned_investment = forms.CharField(
        label=_("Planned investment (万元)"),
        help_text=_("万元 by default; “3.5亿” and “3500万” are understood."),
    )
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.region_id and user.role == "county_staff":
            self.fields["region"].queryset = Region.objects.filter(pk=user.region_id)
            self.fields["region"].initial = user.region_id
            self.fields["park"].queryset = IndustrialPark.objects.filter(region_id=user.region_id)
        for name, f in self.fields.items():
            f.widget.attrs["class"] = (
                "form-select" if name in ("region", "park") else "form-control"
            )


class ReadingForm(forms.Form):
    """Record the value a chain indicator reached in a year (city staff)."""

    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=None)
    year = forms.IntegerField(label=_("Year"), min_value=1949, max_value=2100)
    value = forms.CharField(label=_("Value"), max_length=30)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, chain: IndustryChain, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = chain.indicators.all()
        self.fields["indicator"].label_from_instance = lambda i: f"{i.name}({i.unit})"
        for name, f in self.fields.items():
            f.widget.attrs["class"] = "form-select" if name == "indicator" else "form-control"
