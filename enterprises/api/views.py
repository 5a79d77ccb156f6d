"""Enterprises (企业/客商) and industrial parks. Enterprises are shared city-wide (an investor may
deal with several counties); writes are for the roles that may edit, through enterprises.services."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from accounts.api.permissions import CanEditOrReadOnly
from accounts.scoping import can_edit, check_can_edit_region
from core.api.views_base import ApiViewSet, ListMixin
from enterprises import selectors, services
from enterprises.filtersets import EnterpriseFilterSet
from enterprises.models import IndustrialPark
from savedviews.api.filters import SavedViewFilterBackend

from . import serializers


def check_can_edit_enterprise(user, region) -> None:
    """Any editing role may keep outside investors (no region); a regional enterprise belongs to
    its region's staff and the city."""
    if not can_edit(user):
        raise PermissionDenied(_("Your role may not change records."))
    if region is not None:
        check_can_edit_region(user, region)


class ParkFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code", help_text="Region code")

    class Meta:
        model = IndustrialPark
        fields = ["region", "kind"]


class ParkViewSet(ListMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Industrial parks, development zones and specialty towns (园区)."""

    queryset = IndustrialPark.objects.select_related("region").prefetch_related("leading_chains")
    serializer_class = serializers.ParkSerializer
    filterset_class = ParkFilterSet
    ordering_fields = ["name", "id"]
    search_fields = ["name"]
    export_name = "parks"


class EnterpriseViewSet(
    ListMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    """Enterprises and investors (企业/客商), filtered like the /enterprises/ page."""

    permission_classes = [*ApiViewSet.permission_classes, CanEditOrReadOnly]
    # The /enterprises/ page's FilterSet: q (name, pinyin, initials, credit code), region, park,
    # chain, tier, origin, ownership, local, chain_leader, sort.
    filterset_class = EnterpriseFilterSet
    filter_backends = [SavedViewFilterBackend]
    saved_view_list = "enterprises"
    list_fields = serializers.ENTERPRISE_LIST_FIELDS
    export_name = "enterprises"

    def get_queryset(self):
        return selectors.enterprise_queryset(user=self.request.user).select_related(
            "region", "park", "main_chain", "main_link"
        )

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.EnterpriseListSerializer
        if self.action in ("create", "update", "partial_update"):
            return serializers.EnterpriseInputSerializer
        return serializers.EnterpriseDetailSerializer

    @extend_schema(responses={201: serializers.EnterpriseDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = serializers.EnterpriseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        check_can_edit_enterprise(request.user, data.validated_data.get("region"))
        enterprise = services.enterprise_create(**data.validated_data)
        out = serializers.EnterpriseDetailSerializer(enterprise)
        return Response(out.data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: serializers.EnterpriseDetailSerializer})
    def update(self, request, *args, **kwargs):
        enterprise = self.get_object()
        # May this user change this enterprise at all? Asked before the body is validated, so a
        # refusal is a 403 whatever was sent (the permission matrix found a 400 here).
        check_can_edit_enterprise(request.user, enterprise.region)
        partial = kwargs.pop("partial", False)
        data = serializers.EnterpriseInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        if "region" in data.validated_data:
            check_can_edit_enterprise(request.user, data.validated_data["region"])
        enterprise = services.enterprise_update(enterprise=enterprise, **data.validated_data)
        return Response(serializers.EnterpriseDetailSerializer(enterprise).data)

    @extend_schema(responses={200: serializers.EnterpriseDetailSerializer})
    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)
