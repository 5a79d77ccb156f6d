"""Change history: the 变更记录 partial on a record's page and the administrators' search."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import Client

from core.history import history_entries
from projects.services import project_update

pytestmark = pytest.mark.django_db


def _edit(project, by, ip="203.0.113.5", **fields):
    """An edit made through a request, as a page would: simple-history takes user and IP from it."""
    from django.test import RequestFactory
    from simple_history.models import HistoricalRecords

    request = RequestFactory().post("/", REMOTE_ADDR=ip)
    request.user = by
    HistoricalRecords.context.request = request
    try:
        return project_update(project=project, by=by, **fields)
    finally:
        del HistoricalRecords.context.request


def test_field_changes_show_verbose_names_and_display_values(demo_users, county_objects):
    project = county_objects["project"]["yuci_open"]
    _edit(
        project,
        demo_users["yuci_staff"],
        planned_investment=Decimal("2500"),
        is_confidential=True,
        region=project.region,
    )
    latest = history_entries(project)[0]
    assert (
        latest.action == "~" and latest.user == "榆次区招商" and latest.ip_address == "203.0.113.5"
    )
    changes = {c.field: (c.old, c.new) for c in latest.changes}
    assert changes == {"计划总投资(万元)": ("1,000", "2,500"), "保密": ("否", "是")}


def test_history_panel_renders_the_diff(demo_users, county_objects):
    project = county_objects["project"]["yuci_open"]
    _edit(project, demo_users["city_staff"], notes="首次洽谈")
    html = Template("{% load history_tags %}{% history_panel project %}").render(
        Context({"project": project})
    )
    assert 'data-testid="history-panel"' in html and "首次洽谈" in html and "市招商中心" in html


def test_foreign_keys_show_names_not_ids(demo_users, county_objects):
    from core.models import IndustryChain

    project = county_objects["project"]["yuci_open"]
    chain = IndustryChain.objects.first()
    _edit(project, demo_users["city_staff"], chain=chain)
    change = next(c for c in history_entries(project)[0].changes)
    assert change.new == chain.name and change.old == "—"


def test_history_search_is_for_city_administrators_only(demo_users):
    for username in ["city_staff", "yuci_staff", "leader", "yuci_official", "api_reader"]:
        client = Client()
        client.force_login(demo_users[username])
        assert client.get("/accounts/history/").status_code == 403


def test_history_search_filters_by_user_model_date_and_text(
    demo_users, county_objects, django_assert_max_num_queries
):
    project = county_objects["project"]["taigu_open"]
    _edit(project, demo_users["taigu_staff"], notes="关键字ZETA")
    client = Client()
    client.force_login(demo_users["admin"])
    today = dt.date.today().isoformat()
    with django_assert_max_num_queries(60):
        response = client.get(
            "/accounts/history/",
            {
                "q": "ZETA",
                "user": demo_users["taigu_staff"].pk,
                "model": "projects.project",
                "date_from": today,
                "date_to": today,
            },
        )
    assert response.status_code == 200
    rows = response.context["entries"]
    assert len(rows) == 1 and rows[0].object_label == project.name
    assert "关键字ZETA" in response.content.decode()
    nothing = client.get("/accounts/history/", {"q": "ZETA", "user": demo_users["yuci_staff"].pk})
    assert nothing.context["entries"] == []


def test_history_search_pages_through_all_models(demo_users, county_objects):
    project = county_objects["project"]["yuci_open"]
    for i in range(12):
        project = project_update(project=project, by=None, notes=f"第{i}次")
    client = Client()
    client.force_login(demo_users["admin"])
    first = client.get("/accounts/history/")
    total = first.context["page"].paginator.count
    labels = {e.model for e in first.context["entries"]}
    assert total > 25  # users, projects, attachments, enterprises and the 12 edits
    assert (
        20 <= len(first.context["entries"]) <= 25
    )  # saves that changed nothing visible are left out
    assert len(labels) >= 2
    second = client.get("/accounts/history/", {"page": 2})
    assert second.context["page"].number == 2


def test_deleted_object_keeps_its_history(demo_users, county_objects):
    from accounts.services import attachment_delete
    from core.models import Attachment

    attachment = county_objects["attachment"]["yuci_open"]
    pk = attachment.pk
    attachment_delete(attachment=attachment, by=demo_users["yuci_staff"])
    records = Attachment.history.filter(id=pk).order_by("history_date")
    assert [r.history_type for r in records] == ["+", "-"]


def test_user_changes_are_searchable(demo_users):
    from accounts.models import Role

    user = demo_users["yuci_official"]
    user.role = Role.COUNTY_STAFF
    user.save()
    client = Client()
    client.force_login(demo_users["admin"])
    response = client.get("/accounts/history/", {"model": "accounts.user", "q": "yuci_official"})
    entry = response.context["entries"][0]
    assert entry.object_label == "yuci_official"
    assert any(c.old != c.new for c in entry.changes)


def test_funds_records_read_as_project_and_month(demo_users, county_objects):
    from projects.services import funds_record

    project = county_objects["project"]["yuci_open"]
    record = funds_record(
        project=project, month=dt.date(2023, 2, 1), amount=Decimal("1200"), by=demo_users["admin"]
    )
    assert str(record).endswith(" 2023-02: 1200 万元")  # the admin and other plain listings
    client = Client()
    client.force_login(demo_users["admin"])
    response = client.get("/accounts/history/", {"model": "projects.fundsinplace"})
    labels = [e.object_label for e in response.context["entries"]]
    assert f"{project.name} · 2023-02" in labels
    assert "FundsInPlace object" not in response.content.decode()
