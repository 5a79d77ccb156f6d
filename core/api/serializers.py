from rest_framework import serializers

from core.models import ChainLink, IndustryChain, PromotionMethod, Region


class RegionSerializer(serializers.ModelSerializer):
    code = serializers.CharField(help_text="GB/T 2260 code, or JZKFQ for 晋中开发区 (区划代码)")
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "kind", "parent", "sort_order"]


class ChainLinkSerializer(serializers.ModelSerializer):
    chain = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ChainLink
        fields = ["id", "chain", "name", "position", "parent", "sort_order"]


class IndustryChainSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndustryChain
        fields = ["id", "code", "name", "description", "sort_order"]


class IndustryChainDetailSerializer(IndustryChainSerializer):
    links = ChainLinkSerializer(many=True, read_only=True)

    class Meta(IndustryChainSerializer.Meta):
        fields = [*IndustryChainSerializer.Meta.fields, "links"]


class PromotionMethodSerializer(serializers.ModelSerializer):
    class Meta:
        model = PromotionMethod
        fields = ["id", "code", "name", "sort_order", "is_active"]
