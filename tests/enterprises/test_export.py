import pytest

from tests.factories import make_enterprise

pytestmark = pytest.mark.django_db


def test_enterprise_list_exports_the_filtered_rows_as_csv_for_excel(
    client, demo_users, reference_data
):
    make_enterprise("=HYPERLINK(1)有限公司")
    make_enterprise("晋中导出测试有限公司")
    client.force_login(demo_users["city_staff"])
    response = client.get("/imports/export/enterprises/", {"q": "导出测试", "format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    assert "晋中导出测试有限公司" in body and "HYPERLINK" not in body
    response = client.get("/imports/export/enterprises/", {"q": "HYPERLINK", "format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert "'=HYPERLINK(1)有限公司" in body
