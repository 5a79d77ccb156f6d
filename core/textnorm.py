"""Normalising names and phone numbers for matching investors across counties (首报首谈)."""

import functools
import re
import unicodedata

from pypinyin import Style, lazy_pinyin

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


@functools.lru_cache(maxsize=65_536)
def normalize_name(name: str) -> str:
    """'吉利汽车集团有限公司 ' and '吉利汽车（集团）' both become '吉利汽车'. Remembered: a ledger
    names the same few hundred investors on thousands of rows."""
    text = unicodedata.normalize("NFKC", name or "").lower()
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
