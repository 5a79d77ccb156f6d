import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

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
