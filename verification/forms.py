from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StyledFormMixin
from core.models import Region
from rollups.locks import PeriodKind

from .models import MilestoneKind, State


class QueueFilterForm(StyledFormMixin, forms.Form):
    state = forms.ChoiceField(
        label=_("Verification"),
        required=False,
        choices=[("", _("All"))] + list(State.choices),
        initial=State.PENDING,
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("All"),
    )
    kind = forms.ChoiceField(
        label=_("Milestone"), required=False, choices=[("", _("All"))] + list(MilestoneKind.choices)
    )
    age = forms.ChoiceField(
        label=_("Time waiting"),
        required=False,
        choices=[("", _("Any")), ("7", _("Over 7 days")), ("30", _("Over 30 days"))],
    )


class EvidenceUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class ReturnForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for returning"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    found_false = forms.BooleanField(
        label=_("Found to be false (the assessment deducts for it)"), required=False
    )


class LockForm(StyledFormMixin, forms.Form):
    """Lock a month or a quarter (rollups.locks.period_lock)."""

    kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices, initial="quarter")
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    number = forms.IntegerField(
        label=_("Quarter or month"),
        min_value=1,
        max_value=12,
        help_text=_("Quarter 1–4, month 1–12"),
    )


class UnlockForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for unlocking"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
