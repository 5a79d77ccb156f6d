from rest_framework import serializers

from core.models import ChainLink, IndustryChain, Region
from enterprises.models import Enterprise, IndustrialPark

MONEY = {"max_digits": 18, "decimal_places": 6, "coerce_to_string": True}


class ParkSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    leading_chains = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = IndustrialPark
        fields = ["id", "name", "kind", "region", "region_name", "leading_chains", "description"]


class EnterpriseListSerializer(serializers.Serializer):
    """One row of the enterprise list (客商/企业列表). Related objects as code or id plus name."""

    id = serializers.IntegerField()
    name = serializers.CharField(help_text="企业名称")
    credit_code = serializers.CharField(help_text="统一社会信用代码")
    is_local = serializers.BooleanField(help_text="本地企业")
    region = serializers.CharField(allow_null=True, help_text="GB/T 2260 code (所在区划)")
    region_name = serializers.CharField(allow_null=True)
    park = serializers.IntegerField(allow_null=True, help_text="Park id (园区)")
    park_name = serializers.CharField(allow_null=True)
    main_chain = serializers.CharField(allow_null=True, help_text="IndustryChain code (主导产业链)")
    main_chain_name = serializers.CharField(allow_null=True)
    investor_origin = serializers.CharField(help_text="客商来源")
    ownership = serializers.CharField(help_text="所有制")
    tier = serializers.CharField(help_text="十百千梯队")
    latest_output_value = serializers.DecimalField(
        allow_null=True, help_text="最新产值 (万元)", **MONEY
    )


ENTERPRISE_LIST_FIELDS = {
    "id": "id",
    "name": "name",
    "credit_code": "credit_code",
    "is_local": "is_local",
    "region": "region__code",
    "region_name": "region__name",
    "park": "park_id",
    "park_name": "park__name",
    "main_chain": "main_chain__code",
    "main_chain_name": "main_chain__name",
    "investor_origin": "investor_origin",
    "ownership": "ownership",
    "tier": "tier",
    "latest_output_value": "latest_output_value",
}


class EnterpriseDetailSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    region_name = serializers.CharField(source="region.name", read_only=True, allow_null=True)
    park_name = serializers.CharField(source="park.name", read_only=True, allow_null=True)
    main_chain = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    main_chain_name = serializers.CharField(
        source="main_chain.name", read_only=True, allow_null=True
    )
    main_link_name = serializers.CharField(source="main_link.name", read_only=True, allow_null=True)
    latest_output_value = serializers.DecimalField(read_only=True, allow_null=True, **MONEY)
    tier_value = serializers.DecimalField(
        read_only=True,
        allow_null=True,
        help_text="十百千梯队口径值: the larger of output value and sales revenue (万元)",
        **MONEY,
    )

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "credit_code",
            "is_local",
            "region",
            "region_name",
            "park",
            "park_name",
            "origin_province",
            "origin_city",
            "investor_origin",
            "ownership",
            "main_chain",
            "main_chain_name",
            "main_link",
            "main_link_name",
            "latest_output_value",
            "tier_value",
            "tier",
            "website",
            "notes",
            "created_at",
            "updated_at",
        ]


class EnterpriseInputSerializer(serializers.Serializer):
    """What a client may send to create or change an enterprise; the service checks the rules."""

    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True)
    is_local = serializers.BooleanField(required=False)
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True
    )
    park = serializers.PrimaryKeyRelatedField(
        queryset=IndustrialPark.objects.all(), required=False, allow_null=True
    )
    origin_province = serializers.CharField(max_length=30, required=False, allow_blank=True)
    origin_city = serializers.CharField(max_length=30, required=False, allow_blank=True)
    investor_origin = serializers.ChoiceField(
        choices=Enterprise._meta.get_field("investor_origin").choices,
        required=False,
        allow_blank=True,
    )
    ownership = serializers.ChoiceField(
        choices=Enterprise._meta.get_field("ownership").choices, required=False, allow_blank=True
    )
    main_chain = serializers.SlugRelatedField(
        slug_field="code", queryset=IndustryChain.objects.all(), required=False, allow_null=True
    )
    main_link = serializers.PrimaryKeyRelatedField(
        queryset=ChainLink.objects.all(), required=False, allow_null=True
    )
    website = serializers.URLField(required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
