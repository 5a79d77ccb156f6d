from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kind, PersonalSettings


class SettingsForm(forms.Form):
    receive = forms.MultipleChoiceField(
        label=_("Notify me of"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    @staticmethod
    def received(found: PersonalSettings) -> list[str]:
        return [k for k in Kind.values if found.wants(k)]

    def opted_out(self) -> list[str]:
        return [k for k in Kind.values if k not in self.cleaned_data["receive"]]
