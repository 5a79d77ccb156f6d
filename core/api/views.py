"""Reference data: regions, industry chains and their links, promotion methods. Read-only."""

import django_filters
from django.db.models import Prefetch
from rest_framework import mixins

from core.models import ChainLink, IndustryChain, PromotionMethod, Region

from . import serializers
from .views_base import ApiViewSet, ListMixin


class ReadOnlyApiViewSet(ListMixin, mixins.RetrieveModelMixin, ApiViewSet):
    pass


class RegionViewSet(ReadOnlyApiViewSet):
    """Regions (区划): Jinzhong city, its 11 county-level divisions and 晋中开发区."""

    queryset = Region.objects.select_related("parent")
    serializer_class = serializers.RegionSerializer
    lookup_field = "code"
    filterset_fields = ["kind"]
    ordering_fields = ["sort_order", "code", "name"]
    search_fields = ["name", "code"]
    export_name = "regions"


class IndustryChainViewSet(ReadOnlyApiViewSet):
    """Industry chains (产业链); the detail includes the chain's links (环节)."""

    queryset = IndustryChain.objects.all()
    lookup_field = "code"
    ordering_fields = ["sort_order", "code", "name"]
    search_fields = ["name", "code"]
    export_name = "chains"

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                Prefetch("links", queryset=ChainLink.objects.select_related("chain"))
            )
        return qs

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.IndustryChainDetailSerializer
        return serializers.IndustryChainSerializer


class ChainLinkFilterSet(django_filters.FilterSet):
    chain = django_filters.CharFilter(field_name="chain__code", help_text="IndustryChain code")

    class Meta:
        model = ChainLink
        fields = ["chain", "position"]


class ChainLinkViewSet(ReadOnlyApiViewSet):
    """Chain links (产业链环节): upstream, midstream, downstream, possibly under a parent link."""

    queryset = ChainLink.objects.select_related("chain")
    serializer_class = serializers.ChainLinkSerializer
    filterset_class = ChainLinkFilterSet
    ordering_fields = ["sort_order", "name", "id"]
    search_fields = ["name"]
    export_name = "chain-links"


class PromotionMethodViewSet(ReadOnlyApiViewSet):
    """Promotion methods (招商方式)."""

    queryset = PromotionMethod.objects.all()
    serializer_class = serializers.PromotionMethodSerializer
    lookup_field = "code"
    ordering_fields = ["sort_order", "code", "name"]
    export_name = "methods"
