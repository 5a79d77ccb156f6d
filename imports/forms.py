from django import forms
from django.utils.translation import gettext_lazy as _

from .evidence import MAX_UNPACKED_BYTES
from .models import Kind
from .readers import MAX_FILE_BYTES


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Ledger"), choices=Kind.choices)
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB; split it into several files.")
                % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return f

    evidence_zip = forms.FileField(
        label=_("Evidence files (.zip, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".zip"}),
    )

    def clean_evidence_zip(self):
        f = self.cleaned_data.get("evidence_zip")
        if f and f.size > MAX_UNPACKED_BYTES:
            raise forms.ValidationError(
                _("The evidence zip is larger than %(mb)d MB.")
                % {"mb": MAX_UNPACKED_BYTES // (1024 * 1024)}
            )
        return f or None
