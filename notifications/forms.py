from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StyledFormMixin
from core.models import Region

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


class RobotForm(StyledFormMixin, forms.Form):
    """A group robot (city staff). The URL and the secret are checked by notifications.services."""

    name = forms.CharField(label=_("Group name"), max_length=100)
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("Whole city (receives every region)"),
    )
    channel = forms.ChoiceField(label=_("Robot"), choices=WebhookChannel.choices)
    url = forms.CharField(
        label=_("Robot webhook URL"),
        max_length=500,
        widget=forms.URLInput(
            attrs={"placeholder": "https://oapi.dingtalk.com/robot/send?access_token=…"}
        ),
    )
    secret = forms.CharField(
        label=_("Signing secret (DingTalk 加签)"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Only for a DingTalk robot with 加签; left empty, a stored secret is kept."),
    )
    clear_secret = forms.BooleanField(label=_("Remove the stored secret"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def secret_to_save(self) -> str | None:
        """ "" removes the stored secret, None keeps it."""
        if self.cleaned_data.get("clear_secret"):
            return ""
        return self.cleaned_data.get("secret") or None
