"""Name normalisation and finding enterprises by Chinese, pinyin or initials ("jl" finds 吉利)."""

import pytest
from django.urls import reverse

from core.textnorm import normalize_name, pinyin_keys
from enterprises import services


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("吉利汽车集团有限公司", "吉利汽车"),
        ("吉利汽车（集团）", "吉利汽车"),
        (" 吉利汽车股份有限公司 ", "吉利汽车"),
        ("ＡＢＣ科技有限公司", "abc科技"),
        ("山西 安泰 集团", "山西安泰"),
    ],
)
def test_names_normalise_across_width_spacing_and_legal_suffixes(raw, expected):
    assert normalize_name(raw) == expected


def test_pinyin_keys_of_geely():
    assert pinyin_keys("吉利") == ("jili", "jl")


def test_service_derives_normalised_name_and_pinyin(make_enterprise):
    e = make_enterprise("吉利汽车集团有限公司")
    assert (e.normalized_name, e.name_initials) == ("吉利汽车", "jlqcjtyxgs")
    assert e.name_pinyin.startswith("jiliqiche")


@pytest.fixture
def staff_client(client, demo_users):
    client.force_login(demo_users["yuci_official"])  # read-only users may search too
    return client


@pytest.fixture
def some_enterprises(make_enterprise, regions):
    geely = make_enterprise("吉利汽车晋中基地", region=regions["JZKFQ"], is_local=True)
    make_enterprise("山西安泰集团股份有限公司", region=regions["140781"], is_local=True)
    make_enterprise("浙江琉光玻璃工艺有限公司")  # initials zjlg... contain "jl" too
    return geely


def _autocomplete(client, q):
    response = client.get(reverse("enterprises:autocomplete"), {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_initials_jl_find_geely_first(staff_client, some_enterprises):
    rows = _autocomplete(staff_client, "jl")
    assert rows[0] == {
        "id": some_enterprises.pk,
        "name": "吉利汽车晋中基地",
        "credit_code": "",
        "region": "晋中开发区",
    }


@pytest.mark.parametrize("q", ["吉利", "JiLi", "jiliqiche", "JL", "晋中基地"])
def test_chinese_full_pinyin_and_upper_case_find_geely(staff_client, some_enterprises, q):
    names = [r["name"] for r in _autocomplete(staff_client, q)]
    assert names[0] == "吉利汽车晋中基地"


def test_autocomplete_finds_by_credit_code_prefix(staff_client, make_enterprise):
    from tests.enterprises.conftest import make_code

    code = make_code("91140702MA0KXY8")
    make_enterprise("榆次某某机械厂", credit_code=code)
    assert [r["name"] for r in _autocomplete(staff_client, code[:10].lower())] == ["榆次某某机械厂"]


def test_autocomplete_returns_at_most_ten(staff_client, make_enterprise):
    for i in range(12):
        make_enterprise(f"吉利配套{i:02d}有限公司")
    assert len(_autocomplete(staff_client, "jl")) == 10


def test_autocomplete_hides_deleted_enterprises(staff_client, some_enterprises):
    services.enterprise_delete(enterprise=some_enterprises)
    assert "吉利汽车晋中基地" not in [r["name"] for r in _autocomplete(staff_client, "jl")]


@pytest.mark.parametrize("q", ["", "   ", "%", "'; drop table x; --", "x" * 500])
def test_odd_queries_answer_an_empty_or_plain_list(staff_client, some_enterprises, q):
    assert isinstance(_autocomplete(staff_client, q), list)


def test_autocomplete_needs_login(client, some_enterprises):
    response = client.get(reverse("enterprises:autocomplete"), {"q": "jl"})
    assert response.status_code == 302


def test_autocomplete_runs_a_single_query(
    staff_client, some_enterprises, django_assert_num_queries
):
    staff_client.get(reverse("enterprises:autocomplete"), {"q": "jl"})  # session warm-up
    with django_assert_num_queries(3):  # session, user, the search itself
        _autocomplete(staff_client, "jl")
