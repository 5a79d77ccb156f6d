"""A new row is checked once when nothing it depends on changed between the preview and the
import, and in full again when something did."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.models import Region
from enterprises.models import IndustrialPark
from projects import services as project_services


@pytest.mark.django_db
def test_a_remembered_check_is_redone_when_what_it_read_changed(reference_data, monkeypatch):
    region, other = Region.objects.order_by("id")[1:3]
    park = IndustrialPark.objects.create(name="记忆测试园区", region=region)
    row = {
        "name": "  记忆测试项目 ",
        "region": region,
        "park": park,
        "planned_investment": Decimal("100"),
        "registered_on": dt.date(2023, 1, 10),
    }
    calls = []
    real = project_services.validate_project
    monkeypatch.setattr(
        project_services, "validate_project", lambda p, **kw: calls.append(p) or real(p, **kw)
    )
    first = project_services.new_project(by=None, row=row)
    project_services.validate_new_project(first)
    again = project_services.new_project(by=None, row=row)
    project_services.validate_new_project(again)
    assert len(calls) == 1  # the identical row: a lookup
    assert again.name == "记忆测试项目"  # with what the check normalises
    # The park moved to another county since: checked again, and refused.
    park.region = other
    moved = project_services.new_project(by=None, row=row)
    with pytest.raises(ValidationError) as exc:
        project_services.validate_new_project(moved)
    assert "park" in exc.value.message_dict and len(calls) == 2
    # A changed cell is checked again too.
    project_services.validate_new_project(
        project_services.new_project(by=None, row={**row, "park": None, "notes": "改"})
    )
    assert len(calls) == 3
