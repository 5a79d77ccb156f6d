"""Target API serializers (目标任务): a region's targets for a year, amounts in 万元 as decimal
strings."""

from rest_framework import serializers

from core.api.fields import MoneyField
from core.models import Region

# Output name -> ORM path, read with .values(): the list never builds model instances.
TARGET_LIST_FIELDS = {
    "id": "id",
    "region": "region__code",
    "region_name": "region__name",
    "year": "year",
    "signed_count": "signed_count",
    "signed_amount": "signed_amount",
    "new_start_amount": "new_start_amount",
    "funds_amount": "funds_amount",
    "out_of_province_count": "out_of_province_count",
    "out_of_province_amount": "out_of_province_amount",
    "foreign_count": "foreign_count",
    "foreign_amount": "foreign_amount",
    "completed_amount": "completed_amount",
    "updated_at": "updated_at",
}


def money(help_text: str, **kwargs) -> serializers.DecimalField:
    """An amount in 万元; on input read by core.money.parse_amount like the forms' amounts."""
    return MoneyField(help_text=f"{help_text} (万元, decimal string)", **kwargs)


def _optional_count(help_text: str) -> serializers.IntegerField:
    """An assessment count target: optional, and null clears it."""
    return serializers.IntegerField(
        min_value=0, max_value=1_000_000, required=False, allow_null=True, help_text=help_text
    )


class TargetSerializer(serializers.Serializer):
    """A region's targets for one year (年度目标任务). The city's own row (140700), when present,
    is the city target; otherwise the counties' targets add up to it."""

    id = serializers.IntegerField()
    region = serializers.CharField(help_text="Region code (区划代码)")
    region_name = serializers.CharField(help_text="区划名称")
    year = serializers.IntegerField(help_text="年度")
    signed_count = serializers.IntegerField(help_text="签约项目数目标")
    signed_amount = money("签约投资额目标")
    new_start_amount = money("新开工投资额目标")
    funds_amount = money("到位资金目标")
    out_of_province_count = serializers.IntegerField(
        allow_null=True, help_text="省外签约项目数目标 (null: none set)"
    )
    out_of_province_amount = money("省外签约投资额目标 (null: none set)", allow_null=True)
    foreign_count = serializers.IntegerField(
        allow_null=True, help_text="外资签约项目数目标 (null: none set)"
    )
    foreign_amount = money("外资签约投资额目标 (null: none set)", allow_null=True)
    completed_amount = money("完成投资目标 (null: none set)", allow_null=True)
    updated_at = serializers.DateTimeField()


class TargetInputSerializer(serializers.Serializer):
    """Set (create or correct) a region's targets for a year. City staff only."""

    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), help_text="Region code (区划代码)"
    )
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="年度")
    signed_count = serializers.IntegerField(
        min_value=0, max_value=1_000_000, required=False, help_text="签约项目数目标"
    )
    signed_amount = money("签约投资额目标", required=False, min_value=0)
    new_start_amount = money("新开工投资额目标", required=False, min_value=0)
    funds_amount = money("到位资金目标", required=False, min_value=0)
    # The assessment's optional measures: null clears one, leaving it out keeps what is stored.
    out_of_province_count = _optional_count("省外签约项目数目标")
    out_of_province_amount = money(
        "省外签约投资额目标", required=False, allow_null=True, min_value=0
    )
    foreign_count = _optional_count("外资签约项目数目标")
    foreign_amount = money("外资签约投资额目标", required=False, allow_null=True, min_value=0)
    completed_amount = money("完成投资目标", required=False, allow_null=True, min_value=0)


class TargetUpdateSerializer(serializers.Serializer):
    """Correct the figures of an existing target (its region and year stay)."""

    signed_count = serializers.IntegerField(
        min_value=0, max_value=1_000_000, required=False, help_text="签约项目数目标"
    )
    signed_amount = money("签约投资额目标", required=False, min_value=0)
    new_start_amount = money("新开工投资额目标", required=False, min_value=0)
    funds_amount = money("到位资金目标", required=False, min_value=0)
    # The assessment's optional measures: null clears one, leaving it out keeps what is stored.
    out_of_province_count = _optional_count("省外签约项目数目标")
    out_of_province_amount = money(
        "省外签约投资额目标", required=False, allow_null=True, min_value=0
    )
    foreign_count = _optional_count("外资签约项目数目标")
    foreign_amount = money("外资签约投资额目标", required=False, allow_null=True, min_value=0)
    completed_amount = money("完成投资目标", required=False, allow_null=True, min_value=0)
