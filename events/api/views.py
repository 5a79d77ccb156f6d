"""Promotion events, signings and orders / agreements. Events and their agreements are public news
(every signed-in user reads them, as on the /events/ pages); a signing belongs to a project and is
scoped like it (accounts.scoping: another county's project, or a confidential one for a city-wide API
client, is not found through its signing either). Every write goes through events.services."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.response import Response

from accounts.api.permissions import CanEditOrReadOnly
from accounts.scoping import scope, scope_projects
from core.api.views_base import ApiViewSet, ListMixin
from events import selectors, services
from events.filtersets import EventFilterSet
from events.models import EventAgreement, PromotionEvent, Signing
from projects.selectors import get_project_or_404
from savedviews.api.filters import SavedViewFilterBackend

from . import serializers

EVENT_EXAMPLE = OpenApiExample(
    "A conference",
    value={
        "id": 12,
        "title": "2023 晋中(深圳)招商推介会",
        "kind": "conference",
        "kind_name": "推介会",
        "start_on": "2023-03-15",
        "end_on": "2023-03-15",
        "place_province": "广东省",
        "place_city": "深圳市",
        "venue": "深圳会展中心",
        "organisers": ["140700", "140702"],
        "leading_official": "市长",
        "signing_count": 8,
        "signing_total": "1250000.000000",
        "created_at": "2023-03-16T09:00:00+08:00",
        "updated_at": "2023-03-16T09:00:00+08:00",
    },
    response_only=True,
)
SIGNING_EXAMPLE = OpenApiExample(
    "A signing at a conference",
    value={
        "id": 40,
        "event": 12,
        "event_title": "2023 晋中(深圳)招商推介会",
        "project": 17,
        "project_name": "吉利新能源汽车零部件项目",
        "region": "JZKFQ",
        "signed_on": "2023-03-15",
        "amount": "500000.000000",
        "agreement_kind": "formal",
        "note": "",
        "created_at": "2023-03-16T09:00:00+08:00",
    },
    response_only=True,
)
AGREEMENT_EXAMPLE = OpenApiExample(
    "Export orders at an expo",
    value={
        "id": 3,
        "event": 20,
        "kind": "export_order",
        "description": "广交会出口订单",
        "counterparty": "",
        "quantity": 12,
        "signed_on": "2023-04-16",
        "currency": "USD",
        "original_amount": "6000.000000",
        "exchange_rate": "7.100000",
        "rate_date": "2023-04-14",
        "amount_cny": "42600.000000",
        "created_at": "2023-04-17T09:00:00+08:00",
    },
    response_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary="List promotion events (招商活动列表)",
        description=(
            "Newest first. Filters of the /events/ page: `kind`, `region` (an organising region), "
            "`from` / `to` (events overlapping the dates). `search` looks in the title and city. "
            "`format=csv` or `format=xlsx` for a file of every matching row."
        ),
        examples=[EVENT_EXAMPLE],
    ),
    retrieve=extend_schema(summary="One promotion event (招商活动详情)"),
)
class EventViewSet(
    ListMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    permission_classes = [*ApiViewSet.permission_classes, CanEditOrReadOnly]
    filterset_class = EventFilterSet
    filter_backends = [SavedViewFilterBackend, OrderingFilter, SearchFilter]
    saved_view_list = "events"
    ordering_fields = ["start_on", "id"]
    search_fields = ["title", "place_city"]
    export_name = "events"

    def get_queryset(self):
        qs = selectors.event_queryset(user=self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related("enterprises")
        return qs

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return serializers.EventInputSerializer
        if self.action == "retrieve":
            return serializers.EventDetailSerializer
        return serializers.EventSerializer

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        event = get_object_or_404(self.get_queryset().prefetch_related("enterprises"), pk=pk)
        visible = scope_projects(event.projects_negotiated.all(), self.request.user)
        context = {"visible_negotiated": sorted(visible.values_list("pk", flat=True))}
        return Response(serializers.EventDetailSerializer(event, context=context).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    @extend_schema(
        summary="Record an event (新建招商活动)", responses={201: serializers.EventDetailSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = serializers.EventInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.event_create(by=request.user, **data.validated_data)
        return self._detail(event.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an event (修改招商活动)", responses=serializers.EventDetailSerializer
    )
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        event = self.get_object()
        services.check_can_edit_event(request.user, event)  # 403 before any 400
        data = serializers.EventInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        services.event_update(event=event, by=request.user, **data.validated_data)
        return self._detail(event.pk)

    @extend_schema(
        summary="Change some fields of an event (修改招商活动)",
        responses=serializers.EventDetailSerializer,
    )
    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)


# --- signings -----------------------------------------------------------------------------------------
class SigningFilterSet(django_filters.FilterSet):
    event = django_filters.NumberFilter(field_name="event_id", help_text="Event id (活动)")
    project = django_filters.NumberFilter(field_name="project_id", help_text="Project id (项目)")
    region = django_filters.CharFilter(
        field_name="project__region__code", help_text="The project's region code (所属区划)"
    )
    signed_from = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="gte", help_text="签约日期起"
    )
    signed_to = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="lte", help_text="签约日期止"
    )
    at_event = django_filters.BooleanFilter(
        field_name="event", lookup_expr="isnull", exclude=True, help_text="Signed at an event"
    )

    class Meta:
        model = Signing
        fields = ["event", "project", "region", "agreement_kind"]


@extend_schema_view(
    list=extend_schema(
        summary="List signings (项目签约列表)",
        description=(
            "Signings of the projects you may see (a county sees its own region's; a city-wide API "
            "client does not see confidential projects). Filters: `event`, `project`, `region`, "
            "`agreement_kind`, `signed_from` / `signed_to`, `at_event`. `format=csv|xlsx` for a file."
        ),
        examples=[SIGNING_EXAMPLE],
    ),
    retrieve=extend_schema(summary="One signing (签约详情)"),
)
class SigningViewSet(
    ListMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    permission_classes = [*ApiViewSet.permission_classes, CanEditOrReadOnly]
    filterset_class = SigningFilterSet
    ordering_fields = ["signed_on", "amount", "id"]
    search_fields = ["project__name", "note"]
    list_fields = serializers.SIGNING_LIST_FIELDS
    export_name = "signings"

    def get_queryset(self):
        return scope(Signing.objects.all(), self.request.user).order_by("-signed_on", "-id")

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.SigningInputSerializer
        if self.action in ("update", "partial_update"):
            return serializers.SigningUpdateSerializer
        return serializers.SigningSerializer

    def _row(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        rows = self._rename(
            list(self.get_queryset().filter(pk=pk).values(*self.list_fields.values()))
        )
        if not rows:
            return Response(status=status.HTTP_404_NOT_FOUND)
        return Response(serializers.SigningSerializer(rows[0]).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._row(self.get_object().pk)

    @extend_schema(
        summary="Record a signing (录入签约)",
        description=(
            "Moves the project to the signed stage through the same rule as the project pages. "
            "At an event the date must fall within the event's dates."
        ),
        responses={201: serializers.SigningSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = serializers.SigningInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project = get_project_or_404(request.user, fields.pop("project"))
        event_id = fields.pop("event", None)
        event = get_object_or_404(PromotionEvent, pk=event_id) if event_id else None
        signing = services.signing_record(by=request.user, project=project, event=event, **fields)
        return self._row(signing.pk, status.HTTP_201_CREATED)

    @extend_schema(summary="Correct a signing (修改签约)", responses=serializers.SigningSerializer)
    def update(self, request, *args, **kwargs):
        kwargs.pop("partial", None)
        signing = self.get_object()
        # Every field is optional: PUT and PATCH both change only what is sent.
        data = serializers.SigningUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.signing_update(signing=signing, by=request.user, **data.validated_data)
        return self._row(signing.pk)

    @extend_schema(
        summary="Correct some fields of a signing (修改签约)",
        responses=serializers.SigningSerializer,
    )
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)


# --- orders and agreements ----------------------------------------------------------------------------
class AgreementFilterSet(django_filters.FilterSet):
    event = django_filters.NumberFilter(field_name="event_id", help_text="Event id (活动)")
    region = django_filters.CharFilter(
        field_name="event__organisers__code", help_text="Organising region code (主办区划)"
    )
    signed_from = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="gte", help_text="日期起"
    )
    signed_to = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="lte", help_text="日期止"
    )

    class Meta:
        model = EventAgreement
        fields = ["event", "region", "kind", "currency"]


@extend_schema_view(
    list=extend_schema(
        summary="List orders and agreements (订单与协议列表)",
        description=(
            "Orders and agreements recorded at events that are not projects (export orders, "
            "strategic agreements). A foreign amount keeps its currency, figure and rate; "
            "`amount_cny` is its 万元 equivalent. `format=csv|xlsx` for a file."
        ),
        examples=[AGREEMENT_EXAMPLE],
    ),
    retrieve=extend_schema(summary="One order or agreement (订单与协议详情)"),
)
class AgreementViewSet(ListMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet):
    permission_classes = [*ApiViewSet.permission_classes, CanEditOrReadOnly]
    filterset_class = AgreementFilterSet
    ordering_fields = ["signed_on", "amount_cny", "id"]
    search_fields = ["description", "counterparty"]
    export_name = "agreements"

    def get_queryset(self):
        qs = scope(EventAgreement.objects.all(), self.request.user)
        if "region" in self.request.query_params:
            qs = qs.distinct()
        return qs.order_by("-signed_on", "-id")

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.AgreementInputSerializer
        return serializers.AgreementSerializer

    @extend_schema(
        summary="Record orders or an agreement (录入订单与协议)",
        responses={201: serializers.AgreementSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = serializers.AgreementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if v is not None or k == "signed_on"}
        event = get_object_or_404(PromotionEvent, pk=fields.pop("event"))
        agreement = services.agreement_record(event=event, by=request.user, **fields)
        return Response(
            serializers.AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED
        )
