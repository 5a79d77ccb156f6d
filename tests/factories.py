"""factory_boy factories. Regions, chains and methods come from the reference data (fixture
`reference_data`), looked up by code."""

import datetime as dt
from decimal import Decimal

import factory

from accounts.models import Role, User
from core.models import Region
from enterprises.models import Enterprise
from enterprises.services import enterprise_create
from projects.models import Project, Stage
from projects.services import project_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.CITY_STAFF
    password = factory.PostGenerationMethodCall("set_password", "demo12345")


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def make_enterprise(name: str = "测试投资有限公司", **fields) -> Enterprise:
    return enterprise_create(name=name, **fields)


_counter = iter(range(1, 10**9))


def make_project(
    *,
    region_code: str = "140702",
    amount: str = "1000",
    stage: str = Stage.LEAD,
    by=None,
    investor: Enterprise | None = None,
    **fields,
) -> Project:
    n = next(_counter)
    fields.setdefault("registered_on", dt.date(2023, 1, 2))
    return project_create(
        by=by,
        name=fields.pop("name", f"测试项目{n}"),
        stage=stage,
        investor=investor or make_enterprise(f"测试投资{n}有限公司"),
        region=region(region_code),
        planned_investment=Decimal(amount),
        **fields,
    )
