"""Project pages: list filters and totals, quick lead with 首报首谈, forms that refuse bad input."""

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest

from projects import services
from projects.models import ClaimConflict, Project, Stage
from tests.factories import make_enterprise, make_project

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def projects(reference_data, demo_users):
    staff = demo_users["city_staff"]
    a = make_project(
        name="榆次签约项目",
        region_code="140702",
        amount="30000",
        stage=Stage.SIGNED,
        signed_on=D(2023, 2, 3),
        chain=None,
    )
    b = make_project(
        name="太谷签约项目",
        region_code="140703",
        amount="12000.5",
        stage=Stage.SIGNED,
        signed_on=D(2023, 4, 10),
    )
    c = make_project(name="榆次线索", region_code="140702", amount="800")
    return {"a": a, "b": b, "c": c, "staff": staff}


def _list(client, **params):
    return client.get("/projects/", params)


def test_list_filters_by_region_stage_and_signed_dates_with_totals_in_yi(client, projects):
    client.force_login(projects["staff"])
    response = _list(
        client, region="140702", stage="signed", signed_from="2023-01-01", signed_to="2023-03-31"
    )
    body = response.content.decode()
    assert "榆次签约项目" in body and "太谷签约项目" not in body and "榆次线索" not in body
    assert re.search(r'data-testid="total-count">\s*1<', body)
    assert 'data-testid="total-amount">3.00<' in body  # 30,000 万元 = 3.00 亿元

    body = _list(client, stage="signed").content.decode()
    assert 'data-testid="total-amount">4.20<' in body  # 42,000.5 万元


def test_list_search_matches_investor_pinyin_initials(client, projects, reference_data):
    investor = make_enterprise("吉利汽车测试有限公司")
    make_project(name="整车配套", investor=investor)
    client.force_login(projects["staff"])
    body = _list(client, q="jl").content.decode()
    assert "整车配套" in body and "榆次线索" not in body


def test_list_amount_range_and_invalid_filter_message(client, projects):
    client.force_login(projects["staff"])
    body = _list(client, amount_min="10000", amount_max="20000").content.decode()
    assert "太谷签约项目" in body and "榆次签约项目" not in body
    body = _list(client, signed_from="not-a-date").content.decode()
    assert "部分筛选条件无效" in body


def test_empty_result_shows_an_empty_state(client, projects):
    client.force_login(projects["staff"])
    assert "没有符合条件的项目" in _list(client, q="不存在的项目名").content.decode()


def test_county_staff_list_shows_only_their_region_and_other_county_project_is_404(
    client, projects, demo_users
):
    client.force_login(demo_users["yuci_staff"])
    body = _list(client).content.decode()
    assert "榆次签约项目" in body and "太谷签约项目" not in body
    assert client.get(f"/projects/{projects['b'].pk}/").status_code == 404
    assert client.get(f"/projects/{projects['a'].pk}/").status_code == 200


def _lead_post(client, **overrides):
    data = {
        "token": str(uuid.uuid4()),
        "name": "新线索",
        "investor_name": "某某科技有限公司",
        "credit_code": "",
        "region": "",
        "chain": "",
        "planned_investment": "3.5亿",
        "contact_name": "张经理",
        "contact_mobile": "13912345678",
    }
    data.update(overrides)
    return client.post("/projects/new/", data)


def test_quick_lead_saves_with_unit_amount_and_redirects(client, demo_users, reference_data):
    client.force_login(demo_users["yuci_staff"])
    from core.models import Region

    response = _lead_post(client, region=Region.objects.get(code="140702").pk)
    project = Project.objects.get(name="新线索")
    assert response.status_code == 302 and response["Location"] == f"/projects/{project.pk}/"
    assert project.planned_investment == Decimal("35000") and project.stage == Stage.LEAD
    assert project.investor.contacts.get().mobile_normalized == "13912345678"


def test_double_submitted_lead_creates_one_project(client, demo_users, reference_data):
    client.force_login(demo_users["yuci_staff"])
    from core.models import Region

    token = str(uuid.uuid4())
    region = Region.objects.get(code="140702").pk
    _lead_post(client, token=token, region=region)
    _lead_post(client, token=token, region=region)
    assert Project.objects.filter(name="新线索").count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"planned_investment": "-100"}, "不能为负数"),
        ({"planned_investment": "NaN"}, "不是有效金额"),
        ({"planned_investment": "2万亿"}, "不是有效金额"),
        ({"planned_investment": "200000000"}, "超过1万亿元"),
        ({"credit_code": "91140700MA0K1234X9"}, "校验码不正确"),
        ({"name": "x" * 201}, "200"),
        ({"investor_name": ""}, "该字段是必填项"),
    ],
)
def test_quick_lead_bad_input_shows_chinese_message_and_saves_nothing(
    client, demo_users, reference_data, overrides, message
):
    from core.models import Region

    client.force_login(demo_users["yuci_staff"])
    response = _lead_post(client, region=Region.objects.get(code="140702").pk, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Project.all_objects.exists()


def test_html_in_a_project_name_is_shown_escaped(client, demo_users, reference_data):
    project = make_project(name="<img src=x onerror=alert(1)>项目")
    client.force_login(demo_users["city_staff"])
    body = client.get(f"/projects/{project.pk}/").content.decode()
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;项目" in body


def test_html_in_a_project_name_is_shown_escaped_in_the_list_and_its_quick_row(
    client, demo_users, reference_data
):
    # The list's rows are written in Python (projects.views._rows_html), not by the template's
    # autoescaping: the name and the investor's name are escaped there, on the page and in the
    # row a quick action swaps in.
    investor = make_enterprise('A&B <b>"投资"</b>公司')
    project = make_project(name='<script>alert("x")</script> & 项目', investor=investor)
    client.force_login(demo_users["city_staff"])
    for url in ("/projects/", f"/projects/{project.pk}/quick/row/"):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body and "<b>" not in body, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 项目</a>" in body, url
        assert "A&amp;B &lt;b&gt;&quot;投资&quot;&lt;/b&gt;公司</td>" in body, url


def test_first_report_first_talk_conflict_is_visible_to_both_counties_and_city_decides(
    client, demo_users, reference_data
):
    from core.models import Region

    investor = make_enterprise("晋商新能源集团有限公司")
    holder = make_project(
        name="榆次先报项目", investor=investor, region_code="140702", by=demo_users["yuci_staff"]
    )
    # Taigu registers the same investor, typed slightly differently (full-width brackets, suffix).
    client.force_login(demo_users["taigu_staff"])
    response = _lead_post(
        client,
        name="太谷后报项目",
        investor_name="晋商新能源（集团）",
        region=Region.objects.get(code="140703").pk,
        contact_mobile="",
    )
    assert response.status_code == 302
    later = Project.objects.get(name="太谷后报项目")
    assert later.investor == investor
    conflict = ClaimConflict.objects.get()
    assert (conflict.project, conflict.holder, conflict.matched_by) == (later, holder, "name")
    assert "首报首谈" in client.get(response["Location"]).content.decode()

    client.force_login(demo_users["yuci_staff"])
    assert "榆次先报项目" in client.get("/projects/conflicts/").content.decode()

    response = client.post(f"/projects/conflicts/{conflict.pk}/decide/", {"status": "first_keeps"})
    conflict.refresh_from_db()
    assert conflict.status == "open"  # a county may not decide

    client.force_login(demo_users["city_staff"])
    client.post(
        f"/projects/conflicts/{conflict.pk}/decide/", {"status": "first_keeps", "note": "榆次首报"}
    )
    conflict.refresh_from_db()
    assert conflict.status == "first_keeps" and conflict.decided_by == demo_users["city_staff"]


def test_matching_by_mobile_number_across_counties(demo_users, reference_data):
    investor = make_enterprise("甲公司")
    from enterprises.services import contact_add

    contact_add(enterprise=investor, name="李总", phone="+86 139-1234-5678")
    make_project(name="榆次甲", investor=investor, region_code="140702")
    from core.models import Region

    project, conflicts = services.quick_lead_create(
        by=demo_users["taigu_staff"],
        name="太谷乙",
        investor_name="乙公司",
        region=Region.objects.get(code="140703"),
        planned_investment="100",
        contact_mobile="13912345678",
    )
    assert [c.matched_by for c in conflicts] == ["mobile"]
    assert project.investor.name == "乙公司"


def test_same_county_or_dropped_projects_are_no_conflict(demo_users, reference_data):
    from core.models import Region

    investor = make_enterprise("丙公司")
    make_project(name="榆次丙", investor=investor, region_code="140702")
    _p, conflicts = services.quick_lead_create(
        by=demo_users["yuci_staff"],
        name="榆次丙二期",
        investor_name="丙公司",
        region=Region.objects.get(code="140702"),
        planned_investment="100",
    )
    assert conflicts == []


def test_stage_button_with_a_bad_date_shows_the_error_and_keeps_the_stage(
    client, demo_users, reference_data
):
    project = make_project(registered_on=D(2023, 1, 10))
    client.force_login(demo_users["yuci_staff"])
    future = (services.today() + dt.timedelta(days=3)).isoformat()
    response = client.post(f"/projects/{project.pk}/stage/", {"to": "signed", "on": future})
    assert response.status_code == 400 and "不能晚于今天" in response.content.decode()
    project.refresh_from_db()
    assert project.stage == Stage.LEAD
    response = client.post(f"/projects/{project.pk}/stage/", {"to": "signed", "on": "2023年2月3日"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.stage, project.signed_on) == (Stage.SIGNED, D(2023, 2, 3))


def test_my_work_lists_overdue_follow_ups_and_quiet_leads(client, demo_users, reference_data):
    staff = demo_users["yuci_staff"]
    today = services.today()
    busy = make_project(name="有跟进", by=staff, registered_on=today - dt.timedelta(days=90))
    services.followup_record(
        project=busy,
        by=staff,
        kind="call",
        happened_on=today - dt.timedelta(days=5),
        summary="通话",
        next_step="寄送资料",
        next_due_on=today - dt.timedelta(days=1),
    )
    make_project(name="久未跟进", by=staff, registered_on=today - dt.timedelta(days=60))
    client.force_login(staff)
    body = client.get("/").content.decode()
    assert "寄送资料" in body and "已逾期" in body
    assert "久未跟进" in body


def test_edit_form_saves_through_the_service_and_shows_the_change_in_history(
    client, demo_users, reference_data
):
    project = make_project(name="待编辑项目", amount="1000", by=demo_users["yuci_staff"])
    client.force_login(demo_users["yuci_staff"])
    form = client.get(f"/projects/{project.pk}/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data.update(
        {
            "investor": project.investor.name,
            "region": project.region_id,
            "owner": demo_users["yuci_staff"].pk,
            "planned_investment": "1.2亿",
            "registered_on": "2023-01-02",
        }
    )
    response = client.post(f"/projects/{project.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    project.refresh_from_db()
    assert project.planned_investment == Decimal("12000")
    body = client.get(f"/projects/{project.pk}/").content.decode()
    assert "变更记录" in body and '1,000</span> → <span class="text-success">12,000<' in body

    data["signed_on"] = "2023-02-01"  # a date for a stage not reached: refused, nothing saved
    response = client.post(f"/projects/{project.pk}/edit/", data)
    assert response.status_code == 200 and "尚未进入" in response.content.decode()
    project.refresh_from_db()
    assert project.signed_on is None
