"""The scheme editor's form: one version's numbers; the service (scheme_create) does the rules."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Indicator, ScoringScheme


def _number(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=7, decimal_places=2, **kwargs)


class SchemeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    year_from = forms.IntegerField(label=_("In force from year"), min_value=2000, max_value=2100)
    weights_at_most_100 = forms.BooleanField(
        label=_("Weights may not sum to more than 100"), required=False
    )
    buckets = forms.CharField(
        label=_("Size buckets"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            "One per line: lower bound, upper bound (empty: open), points, in 亿元; e.g. 3,10,1"
        ),
    )
    bucket_cap = _number(_("Most bucket points"))
    red_light_deduction = _number(_("Deduction per red light"))
    returned_false_deduction = _number(_("Deduction per record returned as false"))
    black_list_gap = _number(
        _("Black list: behind the time-elapsed progress by more than (points)")
    )
    black_list_no_signing = forms.BooleanField(
        label=_("Black list: no signed project in the period"), required=False
    )
    black_list_red_lights = forms.IntegerField(
        label=_("Black list: at least this many red lights at the period's end"),
        required=False,
        help_text=_("Leave blank not to use this rule."),
        error_messages={"invalid": _("Enter a whole number of red lights.")},
    )
    red_list_lead = _number(
        _("Red list: ahead of the time-elapsed progress by at least (points)"),
        help_text=_("0: at or ahead of the time-elapsed progress."),
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, scheme: ScoringScheme | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        weights = {i["key"]: i for i in (scheme.indicators if scheme else [])}
        for key, label in Indicator.choices:
            self.fields[f"w_{key}"] = _number(
                _("Weight: %(name)s") % {"name": label}, required=False, min_value=None
            )
            self.fields[f"c_{key}"] = _number(_("Cap: %(name)s") % {"name": label}, required=False)
            if key in weights:
                self.initial[f"w_{key}"] = weights[key]["weight"]
                self.initial[f"c_{key}"] = weights[key]["cap"]
        if scheme is not None:
            for name in (
                "name",
                "year_from",
                "weights_at_most_100",
                "bucket_cap",
                "red_light_deduction",
                "returned_false_deduction",
                "black_list_gap",
                "black_list_no_signing",
                "black_list_red_lights",
                "red_list_lead",
            ):
                self.initial[name] = getattr(scheme, name)
            self.initial["buckets"] = "\n".join(
                f"{b['low']},{b['high'] or ''},{b['points']}" for b in scheme.buckets
            )
        else:
            self.initial.update(
                weights_at_most_100=True, black_list_no_signing=True, red_list_lead=0
            )

    def clean_buckets(self) -> list[dict]:
        out = []
        for number, line in enumerate(self.cleaned_data["buckets"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace(",", ",").split(",")]
            if len(parts) != 3:
                raise ValidationError(
                    _("Bucket line %(n)s: give lower bound, upper bound, points.") % {"n": number}
                )
            out.append({"low": parts[0], "high": parts[1] or None, "points": parts[2]})
        return out

    def scheme_data(self) -> dict:
        data = dict(self.cleaned_data)
        indicators = []
        for key, _label in Indicator.choices:
            weight, cap = data.pop(f"w_{key}"), data.pop(f"c_{key}")
            if weight is None:
                continue
            indicators.append({"key": key, "weight": weight, "cap": 1 if cap is None else cap})
        data["indicators"] = indicators
        if data.get("red_list_lead") is None:
            data["red_list_lead"] = 0
        return data
