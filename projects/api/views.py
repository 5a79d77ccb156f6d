"""Projects, follow-ups and funds in place. Every read goes through projects.selectors (scoped by
accounts.scoping: another county's project is a 404), every write through projects.services."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.permissions import CanEditOrReadOnly
from accounts.scoping import scope_projects
from core.api.views_base import ApiViewSet, ListMixin
from core.related import related_value
from enterprises.models import Enterprise
from projects import selectors, services
from projects.filtersets import ProjectFilterSet
from projects.models import FollowUp, FundsInPlace, Project
from savedviews.api.filters import SavedViewFilterBackend

from . import serializers

PROJECT_EXAMPLE = OpenApiExample(
    "A signed project",
    value={
        "id": 17,
        "name": "吉利新能源汽车零部件项目",
        "region": "JZKFQ",
        "region_name": "晋中开发区",
        "stage": "signed",
        "planned_investment": "500000.000000",
        "registered_on": "2023-01-10",
        "signed_on": "2023-02-03",
        "started_on": None,
        "producing_on": None,
        "planned_start_on": "2023-03-20",
        "investor": 5,
        "investor_name": "浙江吉利控股集团有限公司",
        "park": 1,
        "park_name": "晋中新能源汽车产业园",
        "chain": "nev",
        "chain_name": "新能源汽车",
        "method": "conference",
        "method_name": "会议招商",
        "owner": 3,
        "is_out_of_province": True,
        "is_foreign": False,
        "updated_at": "2023-02-03T10:00:00+08:00",
    },
    response_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary="List projects (项目列表)",
        description=(
            "The same filters as the /projects/ page (`region`, `stage`, `chain`, `park`, `method`, "
            "`owner`, `amount_min`, `amount_max`, `q`, `signed_from` … `registered_to`, `origin`; "
            "dates inclusive). `sort` orders (`-signed`, `amount` …). Add `format=csv` or "
            "`format=xlsx` for a file of every matching row."
        ),
        examples=[PROJECT_EXAMPLE],
    ),
    retrieve=extend_schema(summary="One project (项目详情)"),
)
class ProjectViewSet(
    ListMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    permission_classes = [*ApiViewSet.permission_classes, CanEditOrReadOnly]
    # The /projects/ page's FilterSet (and its exports'): one filter, one meaning. `sort` (the
    # page's parameter) orders the list; DRF's OrderingFilter and SearchFilter would only
    # duplicate `sort` and `q` under other names.
    filterset_class = ProjectFilterSet
    filter_backends = [SavedViewFilterBackend]
    saved_view_list = "projects"
    list_fields = serializers.PROJECT_LIST_FIELDS
    export_name = "projects"

    def get_queryset(self):
        # Newest first by id unless `sort` says otherwise (cursor pages walk by id).
        if self.action == "list":  # ListMixin selects the related rows list_fields names
            return selectors.project_queryset(user=self.request.user, related=False).order_by("-id")
        if self.action == "retrieve":
            return self.detail_queryset()
        # A write: the project's id alone, found in the user's scope (the service reads the row
        # again, locked; the answer is _detail's).
        return (
            selectors.project_queryset(user=self.request.user, related=False)
            .only("id")
            .order_by("-id")
        )

    def detail_queryset(self):
        """The projects the user may see, each with the names its detail shows (by a scalar
        subquery each, serializers.PROJECT_DETAIL_NAMES) and its co-investors."""
        names = {
            alias: related_value(Project, path)
            for alias, path in serializers.PROJECT_DETAIL_NAMES.items()
        }
        return (
            selectors.project_queryset(user=self.request.user, related=False)
            .annotate(**names)
            # Only their ids are shown (the same rows the relation's manager reads).
            .prefetch_related(Prefetch("co_investors", queryset=Enterprise.objects.only("id")))
        )

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.ProjectListSerializer
        if self.action == "create":
            return serializers.ProjectCreateSerializer
        if self.action in ("update", "partial_update"):
            return serializers.ProjectUpdateSerializer
        if self.action == "advance":
            return serializers.StageAdvanceSerializer
        return serializers.ProjectDetailSerializer

    def _detail(self, project: Project, code: int = status.HTTP_200_OK) -> Response:
        """The answer to a write: the project as stored, read as `retrieve` reads it."""
        project = get_object_or_404(self.detail_queryset(), pk=project.pk)
        return Response(serializers.ProjectDetailSerializer(project).data, status=code)

    @extend_schema(
        summary="Create a project (新建项目)",
        responses={201: serializers.ProjectDetailSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = serializers.ProjectCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_create(by=request.user, **data.validated_data)
        return self._detail(project, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a project (修改项目)", responses=serializers.ProjectDetailSerializer
    )
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        project = self.get_object()
        data = serializers.ProjectUpdateSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        project = services.project_update(project=project, by=request.user, **data.validated_data)
        return self._detail(project)

    @extend_schema(
        summary="Change some fields (修改项目)", responses=serializers.ProjectDetailSerializer
    )
    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    @extend_schema(
        summary="Move along the pipeline (推进阶段)",
        request=serializers.StageAdvanceSerializer,
        responses=serializers.ProjectDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        project = self.get_object()
        data = serializers.StageAdvanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_advance_stage(
            project=project,
            to=data.validated_data["to"],
            on=data.validated_data["on"],
            reason=data.validated_data.get("reason", ""),
            by=request.user,
        )
        return self._detail(project)


class _ProjectChildFilterSet(django_filters.FilterSet):
    project = django_filters.NumberFilter(field_name="project_id", help_text="Project id")
    region = django_filters.CharFilter(field_name="project__region__code", help_text="Region code")


class FollowUpFilterSet(_ProjectChildFilterSet):
    happened_from = django_filters.DateFilter(field_name="happened_on", lookup_expr="gte")
    happened_to = django_filters.DateFilter(field_name="happened_on", lookup_expr="lte")

    class Meta:
        model = FollowUp
        fields = ["project", "region", "kind", "next_done"]


class FollowUpViewSet(ListMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet):
    """Follow-ups (跟进记录) on the projects you may see."""

    permission_classes = [*ApiViewSet.permission_classes, CanEditOrReadOnly]
    serializer_class = serializers.FollowUpSerializer
    filterset_class = FollowUpFilterSet
    ordering_fields = ["happened_on", "id"]
    search_fields = ["summary", "next_step"]
    export_name = "follow-ups"

    def get_queryset(self):
        projects = scope_projects(Project.objects.all(), self.request.user)
        return FollowUp.objects.filter(project__in=projects).select_related("author")

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.FollowUpInputSerializer
        return serializers.FollowUpSerializer

    @extend_schema(responses={201: serializers.FollowUpSerializer})
    def create(self, request, *args, **kwargs):
        data = serializers.FollowUpInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project = selectors.project_get(user=request.user, pk=fields.pop("project"))
        follow_up = services.followup_record(project=project, by=request.user, **fields)
        follow_up = get_object_or_404(self.get_queryset(), pk=follow_up.pk)
        return Response(
            serializers.FollowUpSerializer(follow_up).data, status=status.HTTP_201_CREATED
        )


class FundsFilterSet(_ProjectChildFilterSet):
    month_from = django_filters.DateFilter(field_name="month", lookup_expr="gte")
    month_to = django_filters.DateFilter(field_name="month", lookup_expr="lte")

    class Meta:
        model = FundsInPlace
        fields = ["project", "region"]


class FundsInPlaceViewSet(
    ListMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
):
    """Funds in place (到位资金), one amount per project and month. POSTing a month that is
    already recorded corrects it."""

    permission_classes = [*ApiViewSet.permission_classes, CanEditOrReadOnly]
    filterset_class = FundsFilterSet
    ordering_fields = ["month", "id"]
    export_name = "funds-in-place"

    def get_queryset(self):
        projects = scope_projects(Project.objects.all(), self.request.user)
        return FundsInPlace.objects.filter(project__in=projects)

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.FundsInPlaceInputSerializer
        return serializers.FundsInPlaceSerializer

    @extend_schema(responses={201: serializers.FundsInPlaceSerializer})
    def create(self, request, *args, **kwargs):
        data = serializers.FundsInPlaceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project = selectors.project_get(user=request.user, pk=fields.pop("project"))
        record = services.funds_record(project=project, by=request.user, **fields)
        return Response(
            serializers.FundsInPlaceSerializer(record).data, status=status.HTTP_201_CREATED
        )
