"""Data: re-derive every enterprise's 十百千 tier under the caliber of DESIGN.md, the larger of
yearly output value and sales revenue of the latest year that has either (it counted output
alone before). Backwards: the tier from output alone again."""

from decimal import Decimal

from django.db import migrations

THRESHOLDS = [(Decimal("1000000"), "100yi"), (Decimal("100000"), "10yi"), (Decimal("10000"), "1yi")]


def _tier(value):
    for threshold, tier in THRESHOLDS:
        if value is not None and value >= threshold:
            return tier
    return ""


def _rederive(apps, *, with_revenue: bool):
    Enterprise = apps.get_model("enterprises", "Enterprise")
    YearFigure = apps.get_model("enterprises", "EnterpriseYearFigure")
    latest = {}
    for enterprise_id, output, revenue in YearFigure.objects.order_by("year").values_list(
        "enterprise_id", "output_value", "revenue"
    ):
        figures = [v for v in (output, revenue if with_revenue else None) if v is not None]
        if figures:
            latest[enterprise_id] = max(figures)  # later years overwrite earlier ones
    changed = []
    for enterprise in Enterprise.objects.filter(pk__in=list(latest)).only("tier", "tier_value"):
        value = latest[enterprise.pk] if with_revenue else None
        tier = _tier(latest[enterprise.pk])
        if (enterprise.tier, enterprise.tier_value) != (tier, value):
            enterprise.tier, enterprise.tier_value = tier, value
            changed.append(enterprise)
    Enterprise.objects.bulk_update(changed, ["tier", "tier_value"], batch_size=1000)


def forwards(apps, schema_editor):
    _rederive(apps, with_revenue=True)


def backwards(apps, schema_editor):
    _rederive(apps, with_revenue=False)


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0003_enterprise_tier_value")]

    operations = [migrations.RunPython(forwards, backwards)]
