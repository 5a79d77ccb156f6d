from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from core.forms import StyledFormMixin
from core.models import IndustryChain, Region

from .models import SizeBucket, SupervisionItem, Transition


class RuleForm(StyledFormMixin, forms.Form):
    """A deadline rule. Limits are checked by lights.services (one place for the rule's rules)."""

    from_stage = forms.ChoiceField(label=_("Transition"), choices=Transition.choices)
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.all(), required=False, empty_label=_("All")
    )
    chain = forms.ModelChoiceField(
        label=_("Industry chain"),
        queryset=IndustryChain.objects.all(),
        required=False,
        empty_label=_("All"),
    )
    min_investment = forms.TypedChoiceField(
        label=_("Size"),
        choices=[("", _("All"))] + list(SizeBucket.choices),
        coerce=int,
        empty_value=None,
        required=False,
    )
    yellow_days = forms.IntegerField(label=_("Yellow after (days)"))
    red_days = forms.IntegerField(label=_("Red after (days)"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class LimitsForm(StyledFormMixin, forms.Form):
    """Changing an existing rule's limits (a new version of it)."""

    yellow_days = forms.IntegerField(label=_("Yellow after (days)"))
    red_days = forms.IntegerField(label=_("Red after (days)"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class SupervisionOpenForm(StyledFormMixin, forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Responsible (county staff)"), queryset=User.objects.none(), required=False
    )
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))
    instruction = forms.CharField(
        label=_("Instruction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            self.fields["owner"].queryset = User.objects.filter(
                role=Role.COUNTY_STAFF, region_id=project.region_id, is_active=True
            ).order_by("username")


class AnswerForm(StyledFormMixin, forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=5000,
        required=False,  # the service refuses an empty answer with its own message
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    evidence = forms.FileField(label=_("Evidence (PDF, image, Word, Excel)"), required=False)


class ReviewForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (SupervisionItem.Status.CLOSED, _("Close")),
            (SupervisionItem.Status.RETURNED, _("Return for another answer")),
        ],
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class SupervisionFilterForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("overdue", _("Overdue"))] + list(SupervisionItem.Status.choices),
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("All"),
    )
    age = forms.ChoiceField(
        label=_("Age"),
        required=False,
        choices=[("", _("Any")), ("7", _("Over 7 days")), ("30", _("Over 30 days"))],
    )
