"""Targets (目标任务): every signed-in user reads them (aggregate figures, as on the dashboards);
only city staff set them, through targets.services.target_set."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from accounts.api.permissions import CanEditOrReadOnly
from accounts.scoping import scope
from core.api.views_base import ApiViewSet, ListMixin

from .. import services
from ..models import Target
from . import serializers

TARGET_EXAMPLE = OpenApiExample(
    "Yuci's targets for 2023",
    value={
        "id": 5,
        "region": "140702",
        "region_name": "榆次区",
        "year": 2023,
        "signed_count": 60,
        "signed_amount": "2000000.000000",
        "new_start_amount": "1200000.000000",
        "funds_amount": "900000.000000",
        "out_of_province_count": 8,
        "out_of_province_amount": "560000.000000",
        "foreign_count": None,
        "foreign_amount": None,
        "completed_amount": "420000.000000",
        "updated_at": "2023-01-05T09:00:00+08:00",
    },
    response_only=True,
)


class TargetFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code", help_text="Region code (区划)")
    year = django_filters.NumberFilter(field_name="year", help_text="年度")

    class Meta:
        model = Target
        fields = ["region", "year"]


@extend_schema_view(
    list=extend_schema(
        summary="List targets (目标任务列表)",
        description=(
            "One row per region and year, newest year first. Filters: `region`, `year`. "
            "`format=csv|xlsx` for a file."
        ),
        examples=[TARGET_EXAMPLE],
    ),
    retrieve=extend_schema(summary="One region's targets for a year (目标任务详情)"),
)
class TargetViewSet(
    ListMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    permission_classes = [*ApiViewSet.permission_classes, CanEditOrReadOnly]
    filterset_class = TargetFilterSet
    ordering_fields = ["year", "id"]
    list_fields = serializers.TARGET_LIST_FIELDS
    export_name = "targets"

    def get_queryset(self):
        return scope(Target.objects.all(), self.request.user).order_by(
            "-year", "region__sort_order", "id"
        )

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.TargetInputSerializer
        if self.action in ("update", "partial_update"):
            return serializers.TargetUpdateSerializer
        return serializers.TargetSerializer

    def _row(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        qs = self.get_queryset().filter(pk=pk).values(*self.list_fields.values())
        return Response(serializers.TargetSerializer(self._rename(list(qs))[0]).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._row(self.get_object().pk)

    @extend_schema(
        summary="Set a region's targets for a year (设定目标任务)",
        description=(
            "Creates the region's targets for the year, or corrects them when they exist. "
            "City staff only. Amounts omitted are 0 for a new target and unchanged otherwise."
        ),
        responses={201: serializers.TargetSerializer},
    )
    def create(self, request, *args, **kwargs):
        services.check_can_set_targets(request.user)  # 403 before any 400
        data = serializers.TargetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        current = Target.objects.filter(region=fields["region"], year=fields["year"]).first()
        target = services.target_set(by=request.user, **_complete(fields, current))
        return self._row(target.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Correct a target (修改目标任务)", responses=serializers.TargetSerializer
    )
    def update(self, request, *args, **kwargs):
        kwargs.pop("partial", None)
        target = self.get_object()
        services.check_can_set_targets(request.user)
        data = serializers.TargetUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {"region": target.region, "year": target.year, **data.validated_data}
        services.target_set(by=request.user, **_complete(fields, target))
        return self._row(target.pk)

    @extend_schema(
        summary="Correct some figures of a target (修改目标任务)",
        responses=serializers.TargetSerializer,
    )
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)


FIGURES = ("signed_count", "signed_amount", "new_start_amount", "funds_amount")


def _complete(fields: dict, current: Target | None) -> dict:
    """target_set takes every figure: fill those not sent from the current target (or 0)."""
    for name in FIGURES:
        if name not in fields:
            fields[name] = getattr(current, name) if current is not None else 0
    return fields
