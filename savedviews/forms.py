from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StyledFormMixin

from .models import ListName, Sharing


def sharing_choices(user) -> list[tuple[str, str]]:
    """Whom `user` may share a view with: nobody in a region one does not belong to."""
    if user is not None and getattr(user, "region_id", None) is None:
        return [c for c in Sharing.choices if c[0] != Sharing.REGION]
    return list(Sharing.choices)


class SaveViewForm(StyledFormMixin, forms.Form):
    """Save the list's current filters and sort under a name."""

    list_name = forms.ChoiceField(choices=ListName.choices, widget=forms.HiddenInput)
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    name = forms.CharField(label=_("View name"), max_length=40)
    sharing = forms.ChoiceField(label=_("Shared with"), choices=Sharing.choices)
    make_default = forms.BooleanField(label=_("Open this list with it"), required=False)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sharing"].choices = sharing_choices(user)


class EditViewForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("View name"), max_length=40)
    sharing = forms.ChoiceField(label=_("Shared with"), choices=Sharing.choices)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sharing"].choices = sharing_choices(user)
