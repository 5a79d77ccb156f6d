from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kind, PersonalSettings, WebhookChannel


class SettingsForm(forms.Form):
    receive = forms.MultipleChoiceField(
        label=_("Notify me of"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    webhook_channel = forms.ChoiceField(
        label=_("Also send my digest to a group robot"),
        choices=[("", _("No robot"))] + WebhookChannel.choices,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    webhook_url = forms.CharField(
        label=_("Robot webhook URL"),
        max_length=500,
        required=False,
        widget=forms.URLInput(
            attrs={
                "class": "form-control",
                "placeholder": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
            }
        ),
    )

    @staticmethod
    def received(found: PersonalSettings) -> list[str]:
        return [k for k in Kind.values if found.wants(k)]

    def opted_out(self) -> list[str]:
        return [k for k in Kind.values if k not in self.cleaned_data["receive"]]
