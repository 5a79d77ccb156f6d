"""The project list's own filter form, submitted as a browser submits it: every control present,
the untouched ones as empty strings (empty means 全部)."""

import re
from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db


class _FormControls(HTMLParser):
    """The named controls of the filter form (#project-filters) and the value a browser would
    send for each when the user touched nothing: text inputs their value, selects their selected
    (or first) option."""

    def __init__(self, form_id: str = "project-filters"):
        super().__init__()
        self.form_id = form_id
        self.in_form = False
        self.controls: dict[str, str] = {}
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            self.controls[a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select, self._first_option, self._selected = a["name"], None, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._selected = value

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            self.controls[self._select] = (
                self._selected if self._selected is not None else self._first_option or ""
            )
            self._select = None
        elif tag == "form" and self.in_form:
            self.in_form = False


def _form_controls(client, url: str = "/projects/", form_id: str = "project-filters") -> dict:
    parser = _FormControls(form_id)
    parser.feed(client.get(url).content.decode())
    assert parser.controls, "the filter form has no controls"
    return parser.controls


def _totals(body: str) -> tuple[int, str]:
    count = re.search(r'data-testid="total-count">\s*(\d+)\s*<', body).group(1)
    amount = re.search(r'data-testid="total-amount">\s*([\d,.]+)\s*<', body).group(1)
    return int(count), amount


def test_signed_date_range_from_the_form_shows_q1_2023_signings(client, demo_data, demo_users):
    client.force_login(demo_users["city_staff"])
    data = _form_controls(client)
    assert "stage" in data and data["stage"] == ""  # the form does send stage= for 全部
    data.update(signed_from="2023-01-01", signed_to="2023-03-31")
    body = client.get("/projects/", data).content.decode()
    assert "部分筛选条件无效" not in body
    assert _totals(body) == (39, "356.69")


def test_every_blank_control_of_the_form_means_all(client, demo_data, demo_users):
    client.force_login(demo_users["city_staff"])
    everything = _totals(client.get("/projects/").content.decode())
    controls = _form_controls(client)
    for name in controls:
        body = client.get("/projects/", {name: ""}).content.decode()
        assert "部分筛选条件无效" not in body, name
        assert _totals(body) == everything, name
    blank = dict.fromkeys(controls, "")
    body = client.get("/projects/", blank).content.decode()
    assert "部分筛选条件无效" not in body
    assert _totals(body) == everything


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("q", "吉利"),
        ("region", "140703"),
        ("stage", "signed"),
        ("chain", "nev"),
        ("origin", "jjj"),
        ("sort", "-amount"),
        ("amount_min", "100000"),
        ("amount_max", "5000"),
        ("signed_from", "2023-02-03"),
        ("signed_to", "2023-02-03"),
        ("started_from", "2023-01-01"),
        ("started_to", "2023-06-30"),
        ("planned_start_from", "2023-01-01"),
        ("planned_start_to", "2023-03-31"),
        ("late_entry", "false"),
    ],
)
def test_each_control_filters_alone_with_the_others_blank(
    client, demo_data, demo_users, field, value
):
    client.force_login(demo_users["city_staff"])
    data = dict.fromkeys(_form_controls(client), "")
    assert field in data, f"{field} is not a control of the form"
    alone = client.get("/projects/", {field: value}).content.decode()
    with_blanks = client.get("/projects/", {**data, field: value}).content.decode()
    assert "部分筛选条件无效" not in with_blanks
    assert _totals(with_blanks) == _totals(alone)


def test_park_and_method_controls_filter_with_the_others_blank(client, demo_data, demo_users):
    from core.models import PromotionMethod
    from enterprises.models import IndustrialPark
    from projects.models import Project

    client.force_login(demo_users["city_staff"])
    data = dict.fromkeys(_form_controls(client), "")
    park = IndustrialPark.objects.filter(projects__isnull=False).first()
    method = PromotionMethod.objects.filter(projects__isnull=False).first()
    body = client.get("/projects/", {**data, "park": park.pk}).content.decode()
    assert _totals(body)[0] == Project.objects.filter(park=park).count() > 0
    body = client.get("/projects/", {**data, "method": method.code}).content.decode()
    assert _totals(body)[0] == Project.objects.filter(method=method).count() > 0
    combined = {**data, "method": method.code, "stage": "signed", "signed_from": "2023-01-01"}
    body = client.get("/projects/", combined).content.decode()
    expected = Project.objects.filter(
        method=method, stage="signed", signed_on__gte="2023-01-01"
    ).count()
    assert _totals(body)[0] == expected


def test_a_county_user_is_offered_only_their_own_region(client, demo_data, demo_users):
    client.force_login(demo_users["yuci_staff"])
    body = client.get("/projects/").content.decode()
    select = re.search(r'<select name="region".*?</select>', body, re.S).group(0)
    assert re.findall(r"<option[^>]*>([^<]+)</option>", select) == ["全部", "榆次区"]
    # Asking for another region by hand answers an empty list, as it always did.
    other = client.get("/projects/", {"region": "140703"}).content.decode()
    assert _totals(other)[0] == 0


def test_filters_from_a_link_are_kept_when_the_form_is_submitted(client, demo_data, demo_users):
    """A dashboard's funds figure opens the list with funds months the form has no control for:
    they ride along as hidden fields, so choosing a stage keeps them (and their total)."""
    client.force_login(demo_users["city_staff"])
    body = client.get(
        "/projects/", {"funds_from": "2023-01-01", "funds_to": "2023-12-31", "region": "140702"}
    ).content.decode()
    assert '<input type="hidden" name="funds_from" value="2023-01-01">' in body
    assert '<input type="hidden" name="funds_to" value="2023-12-31">' in body
    assert 'data-testid="total-funds"' in body
    assert '<input type="hidden" name="region"' not in body  # the form's own control


def test_the_board_shows_the_list_form_with_the_same_controls(client, demo_data, demo_users):
    # One include (templates/projects/_filter_form.html) for both pages: the board offers every
    # filter the list does, with the same names and the same blank values.
    client.force_login(demo_users["city_staff"])
    board = _form_controls(
        client, "/projects/board/?light=red&funds_from=2023-01-01", "board-filters"
    )
    listed = _form_controls(client, "/projects/?light=red&funds_from=2023-01-01")
    assert board == listed
    assert board["light"] == "red" and board["funds_from"] == "2023-01-01"  # kept as hidden field
