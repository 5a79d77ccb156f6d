"""The chains demo builds on the article's enterprises, leaves a visible NEV gap with targets, and is
idempotent."""

import pytest
from django.core.management import call_command

from chains.models import ChainIndicator, ChainTarget
from chains.selectors import chain_indicator_progress, chain_map, leader_supply
from core.models import IndustryChain
from enterprises.models import Enterprise, SupplierLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_data, db):
    return None


def test_nev_chain_keeps_a_gap_with_open_targets(demo):
    from accounts.models import User

    cmap = chain_map(
        chain=IndustryChain.objects.get(code="nev"), user=User.objects.get(username="city_staff")
    )
    gaps = [s for s in cmap.gaps if s.open_targets]
    assert gaps, "the demo must show at least one NEV gap with targets"
    assert [r.enterprise.name for r in cmap.leader_roles] == ["吉利汽车晋中基地"]


def test_geely_park_has_27_enterprises_and_60_supporting_enterprises(demo):
    geely = Enterprise.objects.get(name="吉利汽车晋中基地")
    assert Enterprise.objects.filter(name="吉利汽车晋中基地").count() == 1
    assert geely.park.enterprises.count() == 27
    supply = leader_supply(leader=geely, user=None)
    assert supply.total_count == 60
    assert 0 < supply.local_rate < 100
    assert supply.trend[0]["rate"] < supply.trend[-1]["rate"]


def test_methanol_11155_indicators(demo):
    progress = chain_indicator_progress(chain=IndustryChain.objects.get(code="methanol"))
    assert [(p.name, p.unit, int(p.target_value)) for p in progress] == [
        ("绿色甲醇制备", "万吨", 100),
        ("甲醇乘用车", "万辆", 10),
        ("甲醇加注站", "座", 100),
        ("甲醇重卡年产", "万台", 5),
        ("甲醇小镇", "个", 5),
    ]


def test_loading_twice_changes_nothing(demo):
    counts = (
        Enterprise.all_objects.count(),
        SupplierLink.objects.count(),
        ChainTarget.objects.count(),
        ChainIndicator.objects.count(),
    )
    call_command("load_demo", verbosity=0)
    assert counts == (
        Enterprise.all_objects.count(),
        SupplierLink.objects.count(),
        ChainTarget.objects.count(),
        ChainIndicator.objects.count(),
    )
