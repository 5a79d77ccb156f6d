"""One JSON error shape, no stack traces, unknown API URLs answer JSON."""

import pytest
from rest_framework.test import APIClient

from core.exports import cell_value


def test_unknown_api_url_is_a_json_404(db):
    response = APIClient().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "code": "not_found",
        "detail": response.json()["detail"],
    }


def test_an_unexpected_error_is_a_plain_500_without_a_trace(users, api_as, monkeypatch):
    from core.api import views

    def boom(self):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views.RegionViewSet, "get_queryset", boom)
    client = api_as(users["city_staff"])
    client.raise_request_exception = False
    response = client.get("/api/v1/regions/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content


def test_validation_errors_name_the_fields(users, api_as):
    response = api_as(users["city_staff"]).post("/api/v1/enterprises/", {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["code"] == "invalid" and "name" in body["fields"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("正常名称", "正常名称"),
        (None, ""),
    ],
)
def test_formula_injection_is_neutralised(value, expected):
    # The cell rule of every list export, the API's included (core.exports).
    assert cell_value(value, for_csv=True) == expected
