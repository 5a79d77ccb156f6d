"""Form fields shared by every app."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.money import format_wan, parse_amount


class MoneyField(forms.CharField):
    """An amount in 万元 that also accepts a unit: 3500, 3.5亿, 3500万, ¥1,000,000元."""

    default_error_messages = {"required": _("Please enter an amount.")}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "inputmode": "decimal",
                    "placeholder": _("万元, e.g. 3500 or 3.5亿"),
                    "autocomplete": "off",
                    "maxlength": "40",
                }
            ),
        )
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_wan(value, 6).rstrip("0").rstrip(".").replace(",", "")
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if len(value) > 40:
            raise forms.ValidationError(_("The amount is too long."))
        return parse_amount(value)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def apply_errors(form: forms.Form, exc) -> None:
    """Put a service's ValidationError onto the form: field errors beside their field, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                if target is None:
                    form.add_error(None, message)
                else:
                    form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class StyledFormMixin:
    """Gives every widget the Bootstrap/Tabler class it needs, and marks invalid fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def full_clean(self):
        super().full_clean()
        for name in getattr(self, "_errors", None) or {}:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
                widget.attrs["aria-invalid"] = "true"

    def add_error(self, field, error):
        super().add_error(field, error)
        if field in self.fields:
            widget = self.fields[field].widget
            if "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"


class FilterForm(StyledFormMixin, forms.Form):
    """Base form for django-filter FilterSets (Meta.form), so filter widgets are styled too.

    A browser submits every control of a filter form, the untouched ones as empty strings
    (`stage=` for 全部). Empty means "no condition" for every control, so blank values are
    dropped before validation: a multiple-choice field would otherwise reject "" as an unknown
    choice and the whole filter would fail.

    Its fields are taken as they are, not deep-copied as a Form's are: django-filter makes a form
    class for one FilterSet (BaseFilterSet.get_form_class, from that FilterSet's own copies of its
    filters and their fields) and one form of it (BaseFilterSet.form), so no other form shares
    them. Copying the project filters' ~45 fields with their widgets and choices was a third of
    building the filters on every list page and filtered API list."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = _without_blanks(data)
        self.base_fields = _OwnFields(type(self).base_fields)  # BaseForm deep-copies base_fields
        super().__init__(data, *args, **kwargs)


class _OwnFields(dict):
    """A form's fields that are its own (FilterForm): their deep copy is a new dict of them."""

    def __deepcopy__(self, memo):
        return dict(self)


def _without_blanks(data):
    """A copy of a QueryDict (or dict) without blank values; a key left with none is removed."""
    if hasattr(data, "getlist"):
        cleaned = data.copy()
        for key in list(cleaned.keys()):
            values = [v for v in cleaned.getlist(key) if not _is_blank(v)]
            if values:
                cleaned.setlist(key, values)
            else:
                del cleaned[key]
        return cleaned
    return {k: v for k, v in data.items() if not _is_blank(v)}


def _is_blank(value) -> bool:
    return isinstance(value, str) and not value.strip()
