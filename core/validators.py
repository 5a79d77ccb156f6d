"""Validators shared by every form and serializer (core imports no app)."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A mainland mobile: 1[3-9] and nine more digits, optionally after +86 / 86.
_MOBILE_RE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
# A landline with its area code: 010, 02x or a four-digit code like 0354 (in brackets or not),
# then a 7- or 8-digit local number, separated by "-", a space or nothing; an optional extension.
_LANDLINE_RE = re.compile(
    r"(?:\(0[1-9]\d{1,2}\)|0[1-9]\d{1,2})[\s-]?\d{7,8}"
    r"(?:\s*(?:-|转|ext\.?|x|#)\s*\d{1,6})?",
    re.IGNORECASE,
)

PHONE_MESSAGE = _(
    "Please enter an 11-digit mobile number (e.g. 13800138000) or a landline with its area "
    "code (e.g. 0354-1234567)."
)


def validate_phone(value: str) -> None:
    """A contact's mobile or landline number; empty is left to the field's `required`."""
    text = unicodedata.normalize("NFKC", value or "").strip()  # full-width digits too
    if not text:
        return
    if _MOBILE_RE.fullmatch(re.sub(r"[\s-]", "", text)):
        return
    if _LANDLINE_RE.fullmatch(text):
        return
    raise ValidationError(PHONE_MESSAGE, code="invalid_phone")
