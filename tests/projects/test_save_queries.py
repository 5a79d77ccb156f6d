"""What one save costs the database (issue 19: a save through the service within 3× a bare UPDATE
and its outbox row). An amount edit of a signed project reads the project (locked), its funds
months once, writes it and its history row, reads the period locks and the verified claims the
edit may make stale, and writes one outbox row: no existence query per foreign key, no second
read of the funds months, no region lookup for the permission check."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Region
from projects import services
from projects.models import Project
from tests.factories import make_project, region

pytestmark = pytest.mark.django_db


def _statements(captured) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def test_an_amount_edit_costs_seven_statements(reference_data, demo_users):
    project = make_project(name="晋中测试项目")
    services.project_advance_stage(project=project, to="signed", on=dt.date(2023, 2, 3), by=None)
    services.funds_record(project=project, month=dt.date(2023, 3, 1), amount=Decimal(50), by=None)
    ContentType.objects.get_for_model(Project)  # Django's own cache, warm in a running server
    with CaptureQueriesContext(connection) as captured:
        services.project_update(project=project, by=None, planned_investment=Decimal("12345"))
    statements = _statements(captured)
    assert len(statements) == 7, "\n".join(statements)
    assert not [s for s in statements if s.startswith('SELECT 1 AS "a"')]  # no FK existence reads
    assert sum("projects_fundsinplace" in s for s in statements) == 1
    project.refresh_from_db()
    assert project.planned_investment == Decimal("12345")


def test_a_related_object_not_read_from_the_database_is_still_checked(reference_data):
    project = make_project(name="晋中测试项目二")
    with pytest.raises(ValidationError) as caught:
        services.project_update(project=project, by=None, region=Region(pk=987654, code="x"))
    assert "region" in caught.value.message_dict
    project.refresh_from_db()
    assert project.region_id == region("140702").pk
