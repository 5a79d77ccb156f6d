"""A client that knows nothing but the OpenAPI schema (and a username and password) gets the demo
figures over real HTTP: 2023 Q1, 39 signed projects worth 356.69亿元."""

from decimal import Decimal

import pytest
import requests

from tests.conftest import restore_demo


class SchemaClient:
    """Finds operations and parameters in the schema by their documented names; no URL but the
    token endpoint (named in the schema's security scheme and the README) is written in here."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base = base_url
        self.http = requests.Session()
        token = self.http.post(
            f"{base_url}/api/v1/auth/token/",
            json={"username": username, "password": password},
            timeout=30,
        )
        token.raise_for_status()
        self.http.headers["Authorization"] = f"Token {token.json()['token']}"
        self.schema = self.http.get(f"{base_url}/api/schema/?format=json", timeout=30).json()

    def list_path(self, suffix: str) -> tuple[str, set[str]]:
        for path, item in self.schema["paths"].items():
            if path.endswith(suffix) and "get" in item and "{" not in path:
                return path, {p["name"] for p in item["get"].get("parameters", [])}
        raise LookupError(suffix)

    def walk(self, path: str, params: dict) -> list[dict]:
        rows, url, query = [], f"{self.base}{path}", {**params, "cursor": ""}
        while url:
            body = self.http.get(url, params=query, timeout=30).json()
            rows += body["results"]
            url, query = body["next"], None
        return rows


@pytest.mark.django_db(transaction=True)
def test_a_schema_only_client_gets_the_2023_q1_figures(live_server, tmp_path_factory):
    restore_demo(tmp_path_factory)  # load_demo's rows
    client = SchemaClient(live_server.url, "api_reader", "demo12345")
    assert "tokenAuth" in client.schema["components"]["securitySchemes"]

    path, params = client.list_path("/projects/")
    assert {"signed_from", "signed_to"} <= params
    signed = client.walk(path, {"signed_from": "2023-01-01", "signed_to": "2023-03-31"})
    total = sum(Decimal(row["planned_investment"]) for row in signed)
    assert len(signed) == 39
    assert (total / 10000).quantize(Decimal("0.01")) == Decimal("356.69")  # 亿元

    path, params = client.list_path("/rollups/")
    assert {"year", "quarter", "group_by"} <= params
    (row,) = client.http.get(
        f"{client.base}{path}", params={"year": 2023, "quarter": 1}, timeout=30
    ).json()["results"]
    assert row["signed_count"] == 39
    assert Decimal(row["signed_amount"]) == Decimal("3566900")
