"""Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters, the last a check
character computed over the first 17 with weights 3^i mod 31."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    """Upper-case, strip spaces and convert full-width characters users paste from documents."""
    text = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in value or "")
    return text.replace(" ", "").replace("\u3000", "").upper()


def validate_credit_code(value: str) -> None:
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; “%(value)s” has %(n)d.")
            % {"value": value, "n": len(code)},
            code="credit_code_length",
        )
    bad = [ch for ch in code if ch not in _VALUE]
    if bad:
        raise ValidationError(
            _(
                "“%(ch)s” cannot appear in a unified social credit code (letters I, O, S, V, Z are never used)."
            )
            % {"ch": bad[0]},
            code="credit_code_chars",
        )
    if check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of “%(value)s” is wrong: please check the code for a typo.")
            % {"value": code},
            code="credit_code_check",
        )
