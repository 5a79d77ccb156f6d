"""Helpers for enterprise tests: enterprises and projects made through the services, as users would."""

from decimal import Decimal

import pytest

from core.credit_code import check_character
from core.models import IndustryChain, Region
from enterprises import services
from enterprises.models import IndustrialPark


def make_code(body: str = "91140702MA0K000") -> str:
    """A valid credit code: 17 characters (padded) plus the right check character."""
    first17 = (body + "00000000000000000")[:17]
    return first17 + check_character(first17)


@pytest.fixture
def regions(reference_data):
    return {r.code: r for r in Region.objects.all()}


@pytest.fixture
def chains(reference_data):
    return {c.code: c for c in IndustryChain.objects.all()}


@pytest.fixture
def make_enterprise(reference_data):
    def make(name: str, **fields):
        return services.enterprise_create(name=name, **fields)

    return make


@pytest.fixture
def make_park(regions):
    def make(name: str, region_code: str = "140702", kind: str = "park", chains=()):
        park = IndustrialPark.objects.create(name=name, region=regions[region_code], kind=kind)
        park.leading_chains.add(*chains)
        return park

    return make


@pytest.fixture
def make_project(regions):
    from projects import services as project_services

    def make(name: str, investor, region_code: str = "140702", amount: str = "1000", **fields):
        return project_services.project_create(
            by=None,
            name=name,
            investor=investor,
            region=regions[region_code],
            planned_investment=Decimal(amount),
            **fields,
        )

    return make
