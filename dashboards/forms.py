"""The targets page: one row of figures per region for a year (four required, four optional)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import MoneyField, StyledFormMixin
from core.models import Region

# A year's target above this many projects is a typing slip, not a plan.
MAX_SIGNED_COUNT = 100000


def _count_field(label) -> forms.IntegerField:
    """An optional whole number of projects, 0 to MAX_SIGNED_COUNT, with its messages in Chinese."""
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_SIGNED_COUNT,
        required=False,
        error_messages={
            "invalid": _("Enter a whole number of projects."),
            "min_value": _("The number of projects cannot be negative."),
            "max_value": _("At most %(limit_value)s projects."),
        },
        widget=forms.NumberInput(attrs={"min": "0", "step": "1", "inputmode": "numeric"}),
    )


class TargetRowForm(StyledFormMixin, forms.Form):
    region = forms.ModelChoiceField(
        queryset=Region.objects.all(), to_field_name="code", widget=forms.HiddenInput
    )
    signed_count = _count_field(_("Signed projects"))
    signed_amount = MoneyField(label=_("Signed investment (万元)"), required=False)
    new_start_amount = MoneyField(label=_("New-start investment (万元)"), required=False)
    funds_amount = MoneyField(label=_("Funds in place (万元)"), required=False)
    # The assessment's measures (综合考评), each optional per region: blank means no target.
    out_of_province_count = _count_field(_("Out-of-province signed projects (省外)"))
    out_of_province_amount = MoneyField(
        label=_("Out-of-province signed investment (省外, 万元)"), required=False
    )
    foreign_count = _count_field(_("Foreign signed projects (外资)"))
    foreign_amount = MoneyField(label=_("Foreign signed investment (外资, 万元)"), required=False)
    completed_amount = MoneyField(label=_("Completed investment (万元)"), required=False)

    FIGURES = (
        "signed_count",
        "signed_amount",
        "new_start_amount",
        "funds_amount",
        "out_of_province_count",
        "out_of_province_amount",
        "foreign_count",
        "foreign_amount",
        "completed_amount",
    )
    OPTIONAL = FIGURES[4:]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.FIGURES:
            widget = self.fields[name].widget
            widget.attrs["class"] = widget.attrs.get("class", "") + " form-control-sm"
            widget.attrs["placeholder"] = "—" if name in self.OPTIONAL else "0"


class BaseTargetFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            region = form.cleaned_data.get("region") if hasattr(form, "cleaned_data") else None
            if region is None:
                continue
            if region.pk in seen:
                raise forms.ValidationError(_("Each region may appear only once."))
            seen.add(region.pk)


TargetFormSet = forms.formset_factory(
    TargetRowForm, formset=BaseTargetFormSet, extra=0, max_num=50, validate_max=True
)
