"""Writes of the county assessment: save a scheme version, publish a period's scores, generate
and archive the 通报 and 提醒函. Keyword-only, atomic, refusing bad input with a Chinese message."""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role
from core.periods import Period
from rollups.models import SIZE_BAND_EDGES

from .models import Indicator, Publication, ReportDocument, ScoringScheme
from .periods import period_key

YI = Decimal(10000)
# The default scheme (issue #22), the demo's: 40 signed amount, 30 signed count, 20 start rate,
# 10 funds in place; size buckets 3–10亿 1 point, 10–20亿 2, ≥20亿 3, at most 10; 0.5 off per red
# light, 2 per record returned as false.
DEFAULT_SCHEME = {
    "name": "晋中市招商引资综合考评办法",
    "year_from": 2023,
    "indicators": [
        {"key": Indicator.SIGNED_AMOUNT, "weight": "40", "cap": "1.2"},
        {"key": Indicator.SIGNED_COUNT, "weight": "30", "cap": "1.2"},
        {"key": Indicator.START_RATE, "weight": "20", "cap": "1"},
        {"key": Indicator.FUNDS, "weight": "10", "cap": "1.2"},
    ],
    "weights_at_most_100": True,
    "buckets": [
        {"low": "3", "high": "10", "points": "1"},
        {"low": "10", "high": "20", "points": "2"},
        {"low": "20", "high": None, "points": "3"},
    ],
    "bucket_cap": "10",
    "red_light_deduction": "0.5",
    "returned_false_deduction": "2",
    "black_list_gap": "20",
    "black_list_no_signing": True,
    "red_list_lead": "0",
    "black_list_red_lights": None,
}


def can_edit_schemes(user) -> bool:
    """City administrators and city staff edit schemes, publish scores and generate documents."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in (Role.CITY_ADMIN, Role.CITY_STAFF))
    )


def _check(by) -> None:
    if by is not None and not can_edit_schemes(by):
        raise PermissionDenied(_("Only city staff edit the assessment."))


def _decimal(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("%(what)s is not a number.") % {"what": what}) from None
    if not number.is_finite():
        raise ValidationError(_("%(what)s is not a number.") % {"what": what})
    return number


def _whole(value, what: str) -> int | None:
    """A whole number, or None for a blank."""
    if value is None or str(value).strip() == "":
        return None
    number = _decimal(value, what)
    if number != number.to_integral_value():
        raise ValidationError(_("%(what)s must be a whole number.") % {"what": what})
    return int(number)


def clean_indicators(indicators: list[dict], *, at_most_100: bool) -> list[dict]:
    """Weights and caps of the scheme's indicators; refuses unknown or repeated indicators,
    negative weights, caps below 0 and (when the scheme says so) weights over 100 in all."""
    labels = dict(Indicator.choices)
    seen, cleaned, total = set(), [], Decimal(0)
    for item in indicators:
        key = item.get("key")
        if key not in labels:
            raise ValidationError(_("Unknown indicator: %(key)s.") % {"key": key})
        if key in seen:
            raise ValidationError(
                _("Indicator “%(name)s” is listed twice.") % {"name": labels[key]}
            )
        seen.add(key)
        weight = _decimal(item.get("weight"), _("The weight of “%(name)s”") % {"name": labels[key]})
        cap = _decimal(item.get("cap", "1"), _("The cap of “%(name)s”") % {"name": labels[key]})
        if weight < 0:
            raise ValidationError(
                _("The weight of “%(name)s” may not be negative.") % {"name": labels[key]}
            )
        if cap < 0:
            raise ValidationError(
                _("The cap of “%(name)s” may not be below 0.") % {"name": labels[key]}
            )
        total += weight
        cleaned.append({"key": str(key), "weight": str(weight), "cap": str(cap)})
    if at_most_100 and total > 100:
        raise ValidationError(
            _("The weights add up to %(total)s, more than 100.")
            % {"total": f"{total.normalize():f}"}
        )
    return cleaned


def clean_buckets(buckets: list[dict]) -> list[dict]:
    """Size buckets in 亿元: bounds on the rollups' band edges (1, 3, 5, 10, 20亿), low below
    high, no two overlapping, points not negative."""
    edges = {Decimal(edge) / YI for edge in SIZE_BAND_EDGES}
    edge_words = "、".join(f"{(Decimal(e) / YI).normalize():f}" for e in SIZE_BAND_EDGES)
    cleaned = []
    for item in buckets:
        low = _decimal(item.get("low"), _("A bucket's lower bound"))
        high_raw = item.get("high")
        high = None if high_raw in (None, "") else _decimal(high_raw, _("A bucket's upper bound"))
        points = _decimal(item.get("points"), _("A bucket's points"))
        if low not in edges or (high is not None and high not in edges):
            raise ValidationError(
                _("Bucket bounds must be one of %(edges)s (亿元).") % {"edges": edge_words}
            )
        if high is not None and high <= low:
            raise ValidationError(_("A bucket's upper bound must be above its lower bound."))
        if points < 0:
            raise ValidationError(_("A bucket's points may not be negative."))
        cleaned.append((low, high, points))
    cleaned.sort(key=lambda b: b[0])
    for (low, high, _p), (next_low, _h, _q) in zip(cleaned, cleaned[1:], strict=False):
        if high is None or high > next_low:
            raise ValidationError(
                _("Buckets overlap: %(low)s亿 and up overlaps the next bucket from %(next)s亿.")
                % {"low": f"{low.normalize():f}", "next": f"{next_low.normalize():f}"}
            )
    return [
        {
            "low": f"{low.normalize():f}",
            "high": None if high is None else f"{high.normalize():f}",
            "points": f"{points.normalize():f}",
        }
        for low, high, points in cleaned
    ]


@transaction.atomic
def scheme_create(
    *,
    by,
    name: str,
    year_from: int,
    indicators: list[dict],
    buckets: list[dict],
    bucket_cap,
    red_light_deduction,
    returned_false_deduction,
    black_list_gap,
    black_list_no_signing: bool = True,
    red_list_lead="0",
    black_list_red_lights: int | None = None,
    weights_at_most_100: bool = True,
    note: str = "",
) -> ScoringScheme:
    """Save a new version of the scoring scheme (versions are never changed once saved)."""
    _check(by)
    scheme = ScoringScheme(
        name=name,
        year_from=year_from,
        indicators=clean_indicators(indicators, at_most_100=weights_at_most_100),
        weights_at_most_100=weights_at_most_100,
        buckets=clean_buckets(buckets),
        bucket_cap=_decimal(bucket_cap, _("The most bucket points")),
        red_light_deduction=_decimal(red_light_deduction, _("The deduction per red light")),
        returned_false_deduction=_decimal(
            returned_false_deduction, _("The deduction per record returned as false")
        ),
        black_list_gap=_decimal(black_list_gap, _("The black list's gap")),
        black_list_no_signing=black_list_no_signing,
        red_list_lead=_decimal(red_list_lead, _("The red list's lead")),
        black_list_red_lights=_whole(black_list_red_lights, _("The black list's red lights")),
        note=note,
        created_by=by if getattr(by, "pk", None) else None,
    )
    if scheme.bucket_cap < 0:
        raise ValidationError(_("The most bucket points may not be below 0."))
    if scheme.red_light_deduction < 0 or scheme.returned_false_deduction < 0:
        raise ValidationError(_("A deduction may not be negative."))
    if scheme.black_list_gap < 0:
        raise ValidationError(_("The black list's gap may not be negative."))
    if scheme.black_list_gap > 100:
        raise ValidationError(_("The black list's gap is in percentage points: at most 100."))
    if not 0 <= scheme.red_list_lead <= 100:
        raise ValidationError(
            _("The red list's lead is in percentage points: from 0 to 100 (0: at or ahead).")
        )
    if scheme.black_list_red_lights is not None and scheme.black_list_red_lights < 1:
        raise ValidationError(
            _("The black list's red lights: at least 1, or leave it blank not to use the rule.")
        )
    # Under a lock of the table's last row, so two saves cannot take the same version number.
    last = ScoringScheme.objects.select_for_update().order_by("-version").first()
    scheme.version = (last.version if last else 0) + 1
    scheme.full_clean()
    scheme.save()
    return scheme


def scheme_create_default(*, by=None) -> ScoringScheme:
    """The default scheme, unless a scheme exists already (the demo loader calls this)."""
    existing = ScoringScheme.objects.order_by("version").first()
    if existing is not None:
        return existing
    return scheme_create(by=by, **DEFAULT_SCHEME)


@transaction.atomic
def scores_publish(*, by, period: Period) -> Publication:
    """Publish the period's scores under the scheme in force for its year; they keep that
    version. A period is published once."""
    from .selectors import compute_scores, scheme_in_force

    _check(by)
    if Publication.objects.filter(year=period.year, period=period_key(period)).exists():
        raise ValidationError(
            _("The scores of %(period)s are published already.") % {"period": period.label}
        )
    scheme = scheme_in_force(period.year)
    if scheme is None:
        raise ValidationError(
            _("No scoring scheme is in force for %(year)s.") % {"year": period.year}
        )
    table = compute_scores(period, scheme=scheme)
    return Publication.objects.create(
        year=period.year,
        period=period_key(period),
        scheme=scheme,
        rows=[row.as_json() for row in table.rows],
        published_by=by if getattr(by, "pk", None) else None,
    )


def _archive(
    *, by, kind: str, period: Period, region, title: str, filename: str, content: bytes
) -> ReportDocument:
    return ReportDocument.objects.create(
        kind=kind,
        year=period.year,
        period=period_key(period),
        region=region,
        title=title,
        filename=filename,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        generated_by=by if getattr(by, "pk", None) else None,
    )


@transaction.atomic
def bulletin_generate(*, by, period: Period) -> ReportDocument:
    """Generate the period's 通报 (.docx) from the rollups and archive it."""
    from . import documents

    _check(by)
    title, content = documents.bulletin(period)
    filename = f"通报-{period.year}-{period_key(period)}.docx"
    return _archive(
        by=by,
        kind=ReportDocument.Kind.BULLETIN,
        period=period,
        region=None,
        title=title,
        filename=filename,
        content=content,
    )


@transaction.atomic
def reminders_generate(*, by, period: Period) -> list[ReportDocument]:
    """Generate one 提醒函 per county below its time-elapsed progress, and archive them."""
    from . import documents

    _check(by)
    out = []
    for region, title, content in documents.reminders(period):
        out.append(
            _archive(
                by=by,
                kind=ReportDocument.Kind.REMINDER,
                period=period,
                region=region,
                title=title,
                filename=f"提醒函-{period.year}-{period_key(period)}-{region.code}.docx",
                content=content,
            )
        )
    return out
