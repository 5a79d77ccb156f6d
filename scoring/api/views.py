"""Generated documents (通报, 提醒函): the same archive /reports/ shows, and the same files."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action

from accounts.scoping import scope
from core.api.views_base import ApiViewSet, ListMixin

from ..models import ReportDocument
from ..views import docx_response
from . import serializers


@extend_schema_view(
    list=extend_schema(summary="Generated bulletins and reminder letters (通报、提醒函)"),
    retrieve=extend_schema(summary="One generated document"),
)
class ReportDocumentViewSet(ListMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = serializers.ReportDocumentSerializer
    filterset_fields = ["kind", "year", "period"]
    ordering_fields = ["id", "created_at"]
    export_name = "reports"

    def get_queryset(self):
        return scope(
            ReportDocument.objects.select_related("region", "generated_by")
            .defer("content")
            .order_by("-created_at", "-id"),
            self.request.user,
        )

    @extend_schema(
        summary="The document's .docx file",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        document = scope(ReportDocument.objects.all(), request.user).get(pk=self.get_object().pk)
        return docx_response(document)
