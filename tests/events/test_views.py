"""The event pages: filters, the event page's totals, the signings form, downloads, masking."""

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from core.models import Attachment
from events import services
from events.models import Signing
from projects.models import Stage

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, demo_users):
    client.force_login(demo_users["city_staff"])
    return client


def test_list_filters_by_kind_region_and_dates(staff_client, make_event):
    make_event("太原推介会", start=D(2023, 2, 3))
    make_event("榆次小分队", kind="small-team", start=D(2023, 3, 7), organisers=("140702",))
    make_event("广交会", kind="expo", start=D(2023, 4, 23), organisers=("140727",))
    url = reverse("events:list")

    def titles(**params):
        body = staff_client.get(url, params).content.decode()
        return {t for t in ("太原推介会", "榆次小分队", "广交会") if t in body}

    assert titles() == {"太原推介会", "榆次小分队", "广交会"}
    assert titles(kind="small-team") == {"榆次小分队"}
    assert titles(region="140727") == {"广交会"}
    assert titles(**{"from": "2023-03-01", "to": "2023-03-31"}) == {"榆次小分队"}


def test_list_headers_sort_by_date_and_signed_amount_and_rows_are_phone_cards(
    staff_client, make_project, make_event
):
    early = make_event("早期推介会", start=D(2023, 1, 5))
    make_event("无签约活动", start=D(2023, 2, 6))
    rich = make_event("晚期推介会", start=D(2023, 3, 7))
    for event, amount in ((early, "9000"), (rich, "500")):
        services.signing_record(
            by=None,
            project=make_project(f"{event.title}项目", amount=amount),
            signed_on=event.start_on,
            event=event,
        )
    url = reverse("events:list")

    def order(**params):
        body = staff_client.get(url, params).content.decode()
        return re.findall(r'data-testid="event-row">.*?<a [^>]*>([^<]+)</a>', body, re.S)

    body = staff_client.get(url).content.decode()
    # The project list's mechanism: a .table-cards table, one <tbody> (a phone card) a row, the
    # sort in force shown on its header and in words.
    assert 'class="table table-vcenter card-table table-cards"' in body
    assert body.count('<tbody data-testid="event-row">') == 3
    assert re.search(r'<th class="text-nowrap" aria-sort="descending"><a href="\?sort=date"', body)
    assert "按活动日期(最新在前)" in body
    assert order() == ["晚期推介会", "无签约活动", "早期推介会"]
    assert order(sort="date") == ["早期推介会", "无签约活动", "晚期推介会"]
    # Most signed first; an event without signings last (not first, as PostgreSQL puts NULL).
    assert order(sort="-amount") == ["早期推介会", "晚期推介会", "无签约活动"]
    body = staff_client.get(url, {"sort": "-amount"}).content.decode()
    assert re.search(r'aria-sort="descending"><a href="\?sort=amount"', body)
    assert re.search(r'data-testid="sort-words">\s*<span>排序: <strong>签约金额', body)


def test_list_runs_a_constant_number_of_queries(
    staff_client, make_event, django_assert_max_num_queries
):
    for i in range(15):
        make_event(f"活动{i}", start=D(2023, 1, 1) + dt.timedelta(days=i))
    with django_assert_max_num_queries(12):
        assert staff_client.get(reverse("events:list")).status_code == 200


def test_event_page_shows_signings_and_the_total_in_yi(staff_client, make_project, make_event):
    event = make_event()
    for name, amount in (("项目甲", "3000000"), ("项目乙", "468000")):
        services.signing_record(
            by=None, project=make_project(name, amount=amount), signed_on=D(2023, 2, 3), event=event
        )
    body = staff_client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert "项目甲" in body and "项目乙" in body
    assert "346.80" in body


def test_county_official_sees_another_regions_signing_masked(
    client, demo_users, make_project, make_event
):
    event = make_event()
    services.signing_record(
        by=None,
        project=make_project("太谷机密项目", region="140703"),
        signed_on=D(2023, 2, 3),
        event=event,
    )
    client.force_login(demo_users["yuci_official"])
    body = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert "太谷机密项目" not in body
    assert "1.00" in body  # the amount (亿元) is an aggregated figure everyone may see


def test_signings_form_records_two_signings_in_one_go(staff_client, make_project, make_event):
    event = make_event()
    a = make_project("项目甲", amount="1000")
    b = make_project("项目乙", amount="2000")
    data = {
        "s-TOTAL_FORMS": "4",
        "s-INITIAL_FORMS": "0",
        "s-MIN_NUM_FORMS": "0",
        "s-MAX_NUM_FORMS": "50",
    }
    for i in range(4):
        data[f"s-{i}-signed_on"] = "2023-02-03"
        data[f"s-{i}-agreement_kind"] = "formal"
    data["s-0-project"] = str(a.pk)
    data["s-1-project"] = str(b.pk)
    data["s-1-amount"] = "0.3亿"
    response = staff_client.post(reverse("events:signings", args=[event.pk]), data)
    assert response.status_code == 302
    assert sorted(Signing.objects.values_list("amount", flat=True)) == [
        Decimal(1000),
        Decimal(3000),
    ]
    a.refresh_from_db()
    assert a.stage == Stage.SIGNED


def test_signings_form_with_a_bad_row_saves_nothing(staff_client, make_project, make_event):
    event = make_event()
    a = make_project("项目甲")
    data = {
        "s-TOTAL_FORMS": "2",
        "s-INITIAL_FORMS": "0",
        "s-MIN_NUM_FORMS": "0",
        "s-MAX_NUM_FORMS": "50",
        "s-0-project": str(a.pk),
        "s-0-signed_on": "2023-02-03",
        "s-0-agreement_kind": "formal",
        "s-1-project": str(a.pk),
        "s-1-signed_on": "2023-02-03",
        "s-1-agreement_kind": "formal",
    }
    response = staff_client.post(reverse("events:signings", args=[event.pk]), data)
    assert response.status_code == 200
    assert "已在本次活动中签约" in response.content.decode()
    assert Signing.objects.count() == 0


def test_county_official_cannot_open_the_signings_form(client, demo_users, make_event):
    event = make_event()
    client.force_login(demo_users["yuci_official"])
    assert client.get(reverse("events:signings", args=[event.pk])).status_code == 403


def test_attachments_are_served_only_to_signed_in_users(
    client, demo_users, make_event, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    event = make_event()
    attachment = services.attachment_add(
        event=event, by=None, file=SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    )
    url = reverse("attachment_download", args=[attachment.pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(demo_users["leader"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_upload_of_a_wrong_type_through_the_page_shows_a_message(
    staff_client, make_event, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    event = make_event()
    response = staff_client.post(
        reverse("events:attachment_upload", args=[event.pk]),
        {"file": SimpleUploadedFile("x.exe", b"MZ")},
        follow=True,
    )
    assert Attachment.objects.count() == 0
    assert "不接受此类文件" in response.content.decode()


def test_stats_page_and_export(staff_client, make_project, make_event):
    make_event("A1", start=D(2023, 1, 10), organisers=("140702",), negotiated=[make_project("P1")])
    page = staff_client.get(reverse("events:stats"), {"year": 2023})
    assert page.status_code == 200
    assert 'data-testid="total-activities">1<' in page.content.decode()
    export = staff_client.get(reverse("events:stats"), {"year": 2023, "format": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(export.content)).worksheets[0]
    values = list(sheet.iter_rows(min_row=4, values_only=True))
    assert ("榆次区", 1, 1, 0, 0) in values


def test_event_create_page_refuses_end_before_start(staff_client, kinds, regions):
    response = staff_client.post(
        reverse("events:new"),
        {
            "kind": kinds["conference"].pk,
            "title": "推介会",
            "start_on": "2023-02-03",
            "end_on": "2023-02-01",
            "place_city": "太原",
            "organisers": [regions["140700"].pk],
        },
    )
    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in response.content.decode()


def test_event_page_runs_a_constant_number_of_queries(
    staff_client, make_project, make_event, django_assert_max_num_queries
):
    event = make_event()
    for i in range(12):
        services.signing_record(
            by=None, project=make_project(f"项目{i}"), signed_on=D(2023, 2, 3), event=event
        )
    with django_assert_max_num_queries(25):
        assert staff_client.get(reverse("events:detail", args=[event.pk])).status_code == 200
