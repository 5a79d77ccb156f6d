"""Normalising names and phone numbers for matching investors across counties (首报首谈), and
refusing the invisible characters that would make one name look like another."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

# Bidirectional controls (embeddings, overrides, isolates, marks): they reorder what a reader sees
# ("Trojan Source"), so a name holding one can display as another. Refused in every name.
BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)


def has_bidi_control(text: str) -> bool:
    return any(ch in BIDI_CONTROLS for ch in text or "")


def check_name_characters(text: str) -> None:
    """Refuse a name holding a bidirectional control character (ValidationError, in Chinese)."""
    if has_bidi_control(text):
        raise ValidationError(
            _(
                "The name contains invisible direction-control characters (e.g. U+202E) that "
                "change how it is displayed; please retype it."
            ),
            code="bidi_control",
        )


def _strip_format_characters(text: str) -> str:
    # Zero-width spaces and joiners, soft hyphens, bidi controls, BOMs: Unicode category Cf.
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


# Legal-form suffixes that do not distinguish one investor from another.
_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "集团股份有限公司",
    "有限公司",
    "集团公司",
    "集团",
    "公司",
    "总部",
)
_PUNCT_RE = re.compile(r"[\s\-_·•.,，。()（）\[\]【】\"'“”‘’/\\]+")


def normalize_name(name: str) -> str:
    """'吉利汽车集团有限公司 ' and '吉利汽车（集团）' both become '吉利汽车'. Invisible format characters
    (category Cf: U+200B, U+202E …) are dropped, so a pasted zero-width space matches too."""
    text = _strip_format_characters(unicodedata.normalize("NFKC", name or "")).lower()
    text = _PUNCT_RE.sub("", text)
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
    return text


def normalize_mobile(phone: str) -> str:
    """The 11-digit mainland mobile number inside a phone field, or '' if there is none."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone or ""))
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if re.fullmatch(r"1[3-9]\d{9}", digits) else ""


def pinyin_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials, for autocomplete: 吉利 -> ('jili', 'jl')."""
    syllables = lazy_pinyin(name or "", style=Style.NORMAL, errors="ignore")
    full = "".join(syllables).lower()
    initials = "".join(s[0] for s in syllables if s).lower()
    return full[:255], initials[:100]
