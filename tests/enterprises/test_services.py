"""Enterprise services: the tier follows the latest year's larger of output value and revenue,
history is kept, delete is soft."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from enterprises import services
from enterprises.models import Enterprise, EnterpriseYearFigure
from enterprises.selectors import enterprise_history


@pytest.mark.parametrize(
    ("output", "tier"),
    [("100亿", "100yi"), ("99.99亿", "10yi"), ("10亿", "10yi"), ("1亿", "1yi"), ("9999", "")],
)
def test_tier_thresholds(make_enterprise, output, tier):
    e = make_enterprise("梯队测试")
    services.year_figures_record(enterprise=e, year=2022, output_value=output)
    e.refresh_from_db()
    assert e.tier == tier


def test_tier_follows_the_latest_year_with_an_output_or_a_revenue(make_enterprise):
    e = make_enterprise("梯队测试")
    services.year_figures_record(enterprise=e, year=2021, output_value="150亿")
    services.year_figures_record(enterprise=e, year=2022, output_value="5亿")
    services.year_figures_record(enterprise=e, year=2023, employees=120)  # no amounts yet
    e.refresh_from_db()
    assert (e.tier, e.latest_output_value) == ("1yi", Decimal("50000"))
    services.year_figures_delete(figure=e.year_figures.get(year=2022))
    e.refresh_from_db()
    assert e.tier == "100yi"


@pytest.mark.parametrize(
    ("output", "revenue", "tier", "value"),
    [
        (None, "7.1亿", "1yi", "71000"),  # 平遥牛肉集团 2022: sales only
        ("8亿", "12亿", "10yi", "120000"),  # revenue the larger
        ("120亿", "90亿", "100yi", "1200000"),  # output the larger
        ("5000万", "9000万", "", "9000"),
    ],
)
def test_tier_counts_the_larger_of_output_value_and_sales_revenue(
    make_enterprise, output, revenue, tier, value
):
    e = make_enterprise("梯队测试")
    services.year_figures_record(enterprise=e, year=2022, output_value=output, revenue=revenue)
    e.refresh_from_db()
    assert (e.tier, e.tier_value) == (tier, Decimal(value))


def test_one_bad_amount_rejects_the_whole_row(make_enterprise):
    e = make_enterprise("梯队测试")
    with pytest.raises(ValidationError) as exc:
        services.year_figures_record(enterprise=e, year=2022, output_value="5亿", tax="-1")
    assert set(exc.value.message_dict) == {"tax"}
    assert not EnterpriseYearFigure.objects.exists()


def test_float_amounts_are_refused(make_enterprise):
    e = make_enterprise("梯队测试")
    with pytest.raises(ValidationError):
        services.year_figures_record(enterprise=e, year=2022, output_value=1.5)


def test_creation_token_returns_the_first_enterprise(reference_data):
    import uuid

    token = uuid.uuid4()
    a = services.enterprise_create(name="令牌测试", token=token)
    b = services.enterprise_create(name="令牌测试", token=token)
    assert a.pk == b.pk and Enterprise.objects.count() == 1


def test_history_lists_changes_with_before_and_after(make_enterprise, regions, demo_users):
    e = make_enterprise("历史测试", region=regions["140702"])
    services.enterprise_update(
        enterprise=e, by=demo_users["city_staff"], name="历史测试公司", is_local=True
    )
    services.enterprise_delete(enterprise=e, by=demo_users["city_staff"])
    services.enterprise_restore(enterprise=e, by=demo_users["city_staff"])
    entries = enterprise_history(enterprise=e)
    assert entries[0]["record"].history_user.username == "city_staff"  # outside a request too
    assert [x["record"].history_type for x in entries] == ["~", "~", "~", "+"]
    edit = {c["name"]: (c["old"], c["new"]) for c in entries[2]["changes"]}
    assert edit == {"name": ("历史测试", "历史测试公司"), "is_local": ("否", "是")}
    assert {c["name"] for c in entries[1]["changes"]} == {"is_deleted"}
    assert entries[3]["record"].history_user is None  # created by a system job


def test_update_refuses_unknown_fields(make_enterprise):
    e = make_enterprise("字段测试")
    with pytest.raises(TypeError):
        services.enterprise_update(enterprise=e, tier="100yi")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "长" * 201),
        ("notes", "x" * 5001),
        ("origin_city", "市" * 31),
        ("website", "ftp:/x"),
    ],
)
def test_service_refuses_oversize_or_malformed_text_and_saves_nothing(reference_data, field, value):
    fields = {"name": "超长测试", field: value}
    with pytest.raises(ValidationError) as exc:
        services.enterprise_create(**fields)
    assert field in exc.value.message_dict
    assert not Enterprise.all_objects.exists()


def test_service_refuses_a_blank_name(reference_data):
    with pytest.raises(ValidationError):
        services.enterprise_create(name="  \u3000 ")
