"""督办 items (scoped like their projects) and light rules (city-wide settings) over the API."""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.permissions import CanEditOrReadOnly
from core.api.views_base import ApiViewSet, ListMixin
from lights import selectors, services
from lights.models import LightRule, SupervisionItem

from . import serializers


class SupervisionItemFilterSet(django_filters.FilterSet):
    project = django_filters.NumberFilter(field_name="project_id", help_text="Project id")
    region = django_filters.CharFilter(field_name="project__region__code", help_text="Region code")

    class Meta:
        model = SupervisionItem
        fields = ["project", "region", "status", "origin"]


class SupervisionItemViewSet(ListMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """督办 items on the projects you may see; county staff answer, city staff close or return."""

    permission_classes = [*ApiViewSet.permission_classes, CanEditOrReadOnly]
    serializer_class = serializers.SupervisionItemSerializer
    filterset_class = SupervisionItemFilterSet
    ordering_fields = ["due_on", "id"]
    export_name = "supervision-items"

    def get_queryset(self):
        return selectors.supervision_queryset(user=self.request.user).order_by("due_on", "id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def _done(self, item):
        item = self.get_queryset().get(pk=item.pk)
        return Response(self.get_serializer(item).data)

    @extend_schema(
        request=serializers.AnswerSerializer, responses=serializers.SupervisionItemSerializer
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        item = self.get_object()
        if not services.may_answer(request.user, item):  # before the body: the city never answers
            raise PermissionDenied(_("Only the county staff of the project's region answer."))
        data = serializers.AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.supervision_answer(
                item=item, by=request.user, answer=data.validated_data["answer"]
            )
        )

    @extend_schema(
        request=serializers.ReviewSerializer, responses=serializers.SupervisionItemSerializer
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        item = self.get_object()
        data = serializers.ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.supervision_close(
                item=item, by=request.user, note=data.validated_data.get("note", "")
            )
        )

    @extend_schema(
        request=serializers.ReviewSerializer, responses=serializers.SupervisionItemSerializer
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_item(self, request, pk=None):
        item = self.get_object()
        data = serializers.ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.supervision_return(
                item=item, by=request.user, note=data.validated_data.get("note", "")
            )
        )


class LightRuleViewSet(ListMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Stage-deadline rules (亮灯规则), every version; city-wide settings every caller may read."""

    serializer_class = serializers.LightRuleSerializer
    filterset_fields = ["from_stage", "is_current", "series"]
    ordering_fields = ["series", "version", "id"]
    export_name = "light-rules"

    def get_queryset(self):
        return LightRule.objects.select_related("region", "chain").order_by("series", "version")
