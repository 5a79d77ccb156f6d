"""Small builders for the chain tests: enterprises and projects made through the services."""

import datetime as dt
from decimal import Decimal

import pytest

from core.models import ChainLink, IndustryChain, Region
from enterprises import services as enterprise_services
from enterprises.models import IndustrialPark
from projects import services as project_services


@pytest.fixture
def nev(reference_data) -> IndustryChain:
    return IndustryChain.objects.get(code="nev")


@pytest.fixture
def link(nev):
    def get(name: str) -> ChainLink:
        return nev.links.get(name=name)

    return get


@pytest.fixture
def region():
    def get(code: str) -> Region:
        return Region.objects.get(code=code)

    return get


@pytest.fixture
def nev_park(reference_data) -> IndustrialPark:
    return IndustrialPark.objects.create(
        name="晋中新能源汽车产业园", region=Region.objects.get(code="JZKFQ")
    )


@pytest.fixture
def make_enterprise():
    def make(name: str, *, link=None, local=True, region=None, park=None, **fields):
        return enterprise_services.enterprise_create(
            name=name,
            is_local=local,
            region=region or (park.region if park else None),
            park=park,
            main_chain=link.chain if link else None,
            main_link=link,
            **fields,
        )

    return make


@pytest.fixture
def make_project(make_enterprise):
    def make(name: str, *, link, region, stage="lead", by=None, investor=None, park=None, **dates):
        investor = investor or make_enterprise(f"{name}投资方", local=False)
        fields = {"registered_on": dt.date(2023, 1, 5), **dates}
        if stage in ("signed", "started", "producing", "at_capacity"):
            fields.setdefault("signed_on", dt.date(2023, 2, 3))
        if stage in ("started", "producing", "at_capacity"):
            fields.setdefault("started_on", dt.date(2023, 5, 1))
        if stage in ("producing", "at_capacity"):
            fields.setdefault("producing_on", dt.date(2024, 3, 1))
        if stage == "at_capacity":
            fields.setdefault("at_capacity_on", dt.date(2025, 3, 1))
        return project_services.project_create(
            by=by,
            name=name,
            stage=stage,
            investor=investor,
            region=region,
            park=park,
            chain=link.chain,
            chain_link=link,
            planned_investment=Decimal("50000"),
            **fields,
        )

    return make
