"""Project pages and rules: late entries (补录), the future-date message, contact phone numbers,
the edit form's investor and owner fields, and the quick lead's new-enterprise notice."""

import datetime as dt
import re
import uuid

import pytest
from django.core.exceptions import ValidationError

from core.models import Region
from core.validators import validate_phone
from projects import services
from projects.models import Project, Stage
from tests.factories import make_enterprise, make_project

pytestmark = pytest.mark.django_db
D = dt.date


# --- 补录 ------------------------------------------------------------------------------------------
@pytest.fixture
def late_lead(reference_data, demo_users):
    """A lead first reported on 2023-03-10 about a project signed on 2023-02-03."""
    return make_project(name="补录签约项目", registered_on=D(2023, 3, 10), amount="50000")


def test_signing_before_registration_is_allowed_and_marked_late_entry(late_lead, demo_users):
    project = services.project_advance_stage(
        project=late_lead, to=Stage.SIGNED, on=D(2023, 2, 3), by=demo_users["yuci_staff"]
    )
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED and project.signed_on == D(2023, 2, 3)
    assert project.registered_on == D(2023, 3, 10)  # kept as entered
    assert project.late_entry is True


def test_signing_after_registration_is_not_a_late_entry(late_lead, demo_users):
    project = services.project_advance_stage(
        project=late_lead, to=Stage.SIGNED, on=D(2023, 3, 20), by=demo_users["yuci_staff"]
    )
    assert project.late_entry is False


def test_late_entry_still_keeps_later_milestones_in_order(late_lead, demo_users):
    staff = demo_users["yuci_staff"]
    services.project_advance_stage(project=late_lead, to=Stage.SIGNED, on=D(2023, 2, 3), by=staff)
    with pytest.raises(ValidationError):
        services.project_advance_stage(
            project=late_lead, to=Stage.STARTED, on=D(2023, 1, 20), by=staff
        )


def test_late_entry_shows_a_chip_is_filterable_and_exported(client, late_lead, demo_users):
    staff = demo_users["city_staff"]
    services.project_advance_stage(project=late_lead, to=Stage.SIGNED, on=D(2023, 2, 3), by=staff)
    other = make_project(name="正常签约项目", stage=Stage.SIGNED, signed_on=D(2023, 2, 3))
    client.force_login(staff)

    body = client.get("/projects/", {"late_entry": "true"}).content.decode()
    assert "补录签约项目" in body and "正常签约项目" not in body
    assert re.search(r'data-testid="late-entry"[^>]*>补录<', body)
    body = client.get("/projects/", {"late_entry": "false"}).content.decode()
    assert "正常签约项目" in body and "补录签约项目" not in body
    assert 'id="id_late_entry"' in body  # a control in the filter form

    detail = client.get(f"/projects/{late_lead.pk}/").content.decode()
    assert re.search(r'data-testid="late-entry"[^>]*>补录<', detail)
    assert 'data-testid="late-entry"' not in client.get(f"/projects/{other.pk}/").content.decode()

    response = client.get("/imports/export/projects/", {"format": "csv"})
    csv = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    header = csv[0].split(",")
    assert "补录" in header
    column = header.index("补录")
    rows = {line.split(",")[1]: line.split(",") for line in csv[1:]}
    assert rows["补录签约项目"][column] == "是" and rows["正常签约项目"][column] == "否"


# --- the future-date message -----------------------------------------------------------------
def test_future_milestone_message_names_today_and_the_entered_date(late_lead, demo_users):
    today = services.today()
    tomorrow = today + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as info:
        services.project_advance_stage(
            project=late_lead, to=Stage.SIGNED, on=tomorrow, by=demo_users["yuci_staff"]
        )
    message = " ".join(info.value.messages)
    assert f"不能晚于今天({today.isoformat()})" in message
    assert tomorrow.isoformat() in message


def test_signing_form_future_date_message_on_the_page(client, late_lead, demo_users):
    client.force_login(demo_users["yuci_staff"])
    today = services.today()
    tomorrow = today + dt.timedelta(days=1)
    response = client.post(
        f"/projects/{late_lead.pk}/stage/", {"to": "signed", "on": tomorrow.isoformat()}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert f"不能晚于今天({today.isoformat()}),填写的日期是 {tomorrow.isoformat()}" in body


# --- contact phone numbers -------------------------------------------------------------------
@pytest.mark.parametrize(
    "phone",
    [
        "13800138000",
        "138 0013 8000",
        "+86 13912345678",
        "0354-1234567",
        "03541234567",
        "010-12345678",
        "(0354)1234567",
        "0354-1234567-123",
        "010-12345678转806",
    ],
)
def test_mobile_and_landline_with_area_code_are_accepted(phone):
    validate_phone(phone)


@pytest.mark.parametrize(
    "phone",
    ["12345", "1234567", "12800138000", "1380013800", "138001380001", "1234-5678", "abc"],
)
def test_other_numbers_are_refused_with_a_chinese_message(phone):
    with pytest.raises(ValidationError) as info:
        validate_phone(phone)
    assert "请输入11位手机号" in " ".join(info.value.messages)


def _lead_post(client, **overrides):
    data = {
        "token": str(uuid.uuid4()),
        "name": "电话校验线索",
        "investor_name": "电话校验科技有限公司",
        "credit_code": "",
        "region": Region.objects.get(code="140702").pk,
        "chain": "",
        "planned_investment": "3000",
        "contact_name": "李经理",
        "contact_mobile": "13912345678",
    }
    data.update(overrides)
    return client.post("/projects/new/", data)


def test_quick_lead_refuses_a_five_digit_mobile(client, demo_users, reference_data):
    client.force_login(demo_users["yuci_staff"])
    response = _lead_post(client, contact_mobile="12345")
    assert response.status_code == 200
    assert "请输入11位手机号" in response.content.decode()
    assert not Project.objects.filter(name="电话校验线索").exists()
    assert _lead_post(client, contact_mobile="0354-1234567").status_code == 302


def test_enterprise_contact_form_refuses_a_five_digit_phone():
    from enterprises.forms import ContactForm

    form = ContactForm({"name": "王总", "phone": "12345"})
    assert not form.is_valid() and "请输入11位手机号" in str(form.errors["phone"])
    assert ContactForm({"name": "王总", "phone": "010-12345678"}).is_valid()


# --- edit form: investor autocomplete, owners -------------------------------------------------
def test_edit_form_investor_is_an_autocomplete_text_field(client, demo_users, reference_data):
    project = make_project(name="编辑测试项目")
    new_investor = make_enterprise("换一个投资有限公司")
    client.force_login(demo_users["city_staff"])
    body = client.get(f"/projects/{project.pk}/edit/").content.decode()
    assert '<select name="investor"' not in body
    field = re.search(r'<input[^>]*name="investor"[^>]*>', body).group(0)
    assert "data-autocomplete=" in field and 'list="investor-suggestions"' in field
    assert f'value="{project.investor.name}"' in field

    form = _edit_data(project, investor=new_investor.name)
    response = client.post(f"/projects/{project.pk}/edit/", form)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.investor == new_investor

    response = client.post(
        f"/projects/{project.pk}/edit/", _edit_data(project, investor="查无此企业")
    )
    assert response.status_code == 200 and "没有名为“查无此企业”的企业" in response.content.decode()


def _edit_data(project, **overrides) -> dict:
    data = {
        "name": project.name,
        "investor": project.investor.name,
        "region": project.region_id,
        "planned_investment": "1000",
        "registered_on": project.registered_on.isoformat(),
        "owner": "",
    }
    data.update(overrides)
    return data


def _owner_options(body: str) -> set[str]:
    select = re.search(r'<select name="owner".*?</select>', body, re.S).group(0)
    return set(re.findall(r'<option value="(\d+)"', select))


def test_edit_form_offers_only_people_who_may_own_the_project(client, demo_users, reference_data):
    project = make_project(name="榆次负责人项目", region_code="140702")
    client.force_login(demo_users["city_staff"])
    offered = _owner_options(client.get(f"/projects/{project.pk}/edit/").content.decode())
    ids = {name: str(u.pk) for name, u in demo_users.items()}
    assert ids["city_staff"] in offered and ids["yuci_staff"] in offered
    for name in ("api_reader", "leader", "yuci_official", "taigu_staff"):
        assert ids[name] not in offered, name

    response = client.post(
        f"/projects/{project.pk}/edit/", _edit_data(project, owner=demo_users["leader"].pk)
    )
    assert response.status_code == 200
    project.refresh_from_db()
    assert project.owner_id != demo_users["leader"].pk


def test_service_refuses_an_owner_of_another_region(demo_users, reference_data):
    project = make_project(name="榆次项目", region_code="140702")
    with pytest.raises(ValidationError) as info:
        services.project_update(
            project=project, by=demo_users["city_staff"], owner=demo_users["taigu_staff"]
        )
    assert "owner" in info.value.message_dict


# --- quick lead: a new enterprise is announced ------------------------------------------------
def test_quick_lead_says_a_new_enterprise_will_be_created(client, demo_users, reference_data):
    make_enterprise("已登记投资有限公司")
    client.force_login(demo_users["yuci_staff"])
    body = client.get(
        "/projects/new/investor-status/", {"investor_name": "全新投资有限公司"}
    ).content.decode()
    assert "将新建企业“全新投资有限公司”" in body
    body = client.get(
        "/projects/new/investor-status/", {"investor_name": "已登记投资有限公司"}
    ).content.decode()
    assert "将新建企业" not in body and "已有企业“已登记投资有限公司”" in body

    page = client.get("/projects/new/").content.decode()
    assert 'hx-get="/projects/new/investor-status/"' in page and 'id="investor-status"' in page

    response = _lead_post(client, investor_name="全新投资有限公司")
    detail = client.get(response["Location"]).content.decode()
    assert "已新建企业“全新投资有限公司”" in detail


def test_quick_lead_defaults_region_for_county_staff(client, demo_users, reference_data):
    client.force_login(demo_users["yuci_staff"])
    page = client.get("/projects/new/").content.decode()
    select = re.search(r'<select name="region".*?</select>', page, re.S).group(0)
    assert re.search(r'<option value="\d+" selected>榆次区</option>', select)
