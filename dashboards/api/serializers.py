from rest_framework import serializers

from dashboards.reads import DIMENSIONS

MONEY = {"max_digits": 18, "decimal_places": 6, "coerce_to_string": True}


class GroupByField(serializers.Field):
    """`group_by=region,month` or `group_by=region&group_by=month`."""

    def to_internal_value(self, data):
        values = []
        for item in data if isinstance(data, list) else [data]:
            values += [v.strip() for v in str(item).split(",") if v.strip()]
        unknown = sorted(set(values) - set(DIMENSIONS))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown dimension(s) {', '.join(unknown)}; use {', '.join(DIMENSIONS)}."
            )
        return values


class RollupQuerySerializer(serializers.Serializer):
    group_by = GroupByField(required=False, default=list)
    year = serializers.IntegerField(required=False, min_value=1990, max_value=2100)
    quarter = serializers.IntegerField(required=False, min_value=1, max_value=4)
    month = serializers.IntegerField(required=False, min_value=1, max_value=12)
    # Read locked months from their snapshot (rollups.locks): the figures as locked.
    as_locked = serializers.BooleanField(required=False, default=False)

    def get_fields(self):
        # `from` is a Python keyword: added here under its real name (and `to` beside it).
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)
        fields["to"] = serializers.DateField(required=False)
        return fields

    def validate(self, attrs):
        if ("quarter" in attrs or "month" in attrs) and "year" not in attrs:
            raise serializers.ValidationError({"year": "quarter and month need a year."})
        if "quarter" in attrs and "month" in attrs:
            raise serializers.ValidationError({"month": "Give a quarter or a month, not both."})
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError({"to": "`to` is before `from`."})
        return attrs


class RollupRowSerializer(serializers.Serializer):
    """One row of totals (汇总). Only the `group_by` keys asked for are present."""

    region = serializers.CharField(required=False, help_text="Region code (区划代码)")
    region_name = serializers.CharField(required=False, allow_null=True)
    chain = serializers.CharField(
        required=False, allow_null=True, help_text="IndustryChain code (产业链)"
    )
    chain_name = serializers.CharField(required=False, allow_null=True)
    method = serializers.CharField(
        required=False, allow_null=True, help_text="PromotionMethod code (招商方式)"
    )
    method_name = serializers.CharField(required=False, allow_null=True)
    park = serializers.IntegerField(required=False, allow_null=True, help_text="Park id (园区)")
    park_name = serializers.CharField(required=False, allow_null=True)
    month = serializers.CharField(required=False, help_text="YYYY-MM")
    quarter = serializers.CharField(required=False, help_text="YYYYQn, e.g. 2023Q1")
    signed_count = serializers.IntegerField(help_text="签约项目数")
    signed_amount = serializers.DecimalField(help_text="签约金额 (万元)", **MONEY)
    started_count = serializers.IntegerField(help_text="开工项目数")
    started_amount = serializers.DecimalField(help_text="开工项目投资 (万元)", **MONEY)
    expected_start_amount = serializers.DecimalField(help_text="计划开工投资 (万元)", **MONEY)
    funds_in_place_amount = serializers.DecimalField(help_text="到位资金 (万元)", **MONEY)
    completed_investment_amount = serializers.DecimalField(help_text="完成投资 (万元)", **MONEY)


class RollupResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = RollupRowSerializer(many=True)
    signed_caliber = serializers.ListField(
        child=serializers.ChoiceField(choices=["formal", "framework", "strategic"]),
        help_text="口径: the agreement kinds the signed figures count (default formal contracts only)",
    )
