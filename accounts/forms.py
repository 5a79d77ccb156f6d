import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from core.history import ACTIONS, history_models

from .models import User


def _model_choices():
    return [("", _("All records"))] + [
        (label, hist.instance_type._meta.verbose_name) for label, hist in history_models().items()
    ]


class HistorySearchForm(forms.Form):
    """Filters of the change-history search (/accounts/history/)."""

    q = forms.CharField(label=_("Text"), required=False, max_length=100)
    user = forms.ModelChoiceField(
        label=_("Changed by"), queryset=User.objects.order_by("username"), required=False
    )
    model = forms.ChoiceField(label=_("Record type"), required=False, choices=_model_choices)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions"))] + [(k, v) for k, v in ACTIONS.items()],
    )
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


EXPIRY_CHOICES = [
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("365", _("One year")),
    ("never", _("Never")),
]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("What the token is for, e.g. “provincial report script”."),
    )
    expires = forms.ChoiceField(label=_("Expires after"), choices=EXPIRY_CHOICES, initial="90")
    read_only = forms.BooleanField(label=_("Read-only"), required=False, initial=True)

    def expires_in(self) -> dt.timedelta | None:
        value = self.cleaned_data["expires"]
        return None if value == "never" else dt.timedelta(days=int(value))
