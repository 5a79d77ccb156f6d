"""One course of rule changes, run on the demo data by test_lights_on_sqlite.py on both
databases: rules narrowed by region, chain and size and for other transitions, then a change of the
default rule; returns every light, the history rows and the 督办 items it left, keyed by what is
the same on both databases (names and codes, never ids)."""

import datetime as dt

from accounts.models import User
from core.models import IndustryChain, Region
from lights import services
from lights.models import LightChange, LightRule, SupervisionItem
from projects.models import Project

AS_OF = dt.date(2026, 1, 15)


def run() -> dict:
    staff = User.objects.get(username="city_staff")
    chain = IndustryChain.objects.order_by("code", "pk").first()
    services.lights_refresh(as_of=AS_OF)
    services.rule_create(
        by=staff, from_stage="negotiating", yellow_days=200, red_days=400, as_of=AS_OF
    )
    services.rule_create(
        by=staff,
        from_stage="signed",
        yellow_days=90,
        red_days=120,
        region=Region.objects.get(code="140702"),
        as_of=AS_OF,
    )
    services.rule_create(
        by=staff, from_stage="signed", yellow_days=60, red_days=100, chain=chain, as_of=AS_OF
    )
    services.rule_create(
        by=staff,
        from_stage="started",
        yellow_days=300,
        red_days=500,
        min_investment=100_000,
        as_of=AS_OF,
    )
    rule = LightRule.objects.get(is_current=True, from_stage="signed", region=None, chain=None)
    services.rule_change(rule=rule, by=staff, yellow_days=170, red_days=200, as_of=AS_OF)

    def rule_key(rule_id):
        if rule_id is None:
            return None
        r = LightRule.objects.get(pk=rule_id)
        return f"{r.from_stage}:{r.region_id and r.region.code}:{r.min_investment}:v{r.version}"

    lights = sorted(
        [
            p.name,
            p.region.code,
            p.stage,
            p.light,
            p.light_reason,
            p.light_since and p.light_since.isoformat(),
            p.light_limit,
        ]
        for p in Project.all_objects.select_related("region")
    )
    history = sorted(
        [
            c.project.name,
            c.previous_light,
            c.light,
            c.reason,
            c.since and c.since.isoformat(),
            c.limit_days,
            c.stage,
            rule_key(c.rule_id),
            c.as_of.isoformat(),
        ]
        for c in LightChange.objects.filter(as_of=AS_OF).select_related("project")
    )
    items = sorted(
        [
            i.project.name,
            i.region.code,
            i.owner.username if i.owner else None,
            i.due_on.isoformat(),
            i.instruction,
            i.status,
        ]
        for i in SupervisionItem.objects.filter(
            origin="red_light", due_on=AS_OF + dt.timedelta(days=15)
        ).select_related("project", "region", "owner")
    )
    created = SupervisionItem.history.filter(
        history_type="+", origin="red_light", due_on=AS_OF + dt.timedelta(days=15)
    ).count()
    return {"lights": lights, "history": history, "items": items, "item_records": created}
