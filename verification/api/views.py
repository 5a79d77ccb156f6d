"""/api/v1/milestone-evidence/: milestone evidence claims with their verification state, scoped as
the pages are (a claim follows its project), and evidence uploads (multipart) through the same
service as the evidence page (verification.services.evidence_add)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.api.permissions import CanEditOrReadOnly
from accounts.scoping import scope
from core.api.views_base import ApiViewSet, ListMixin
from core.models import Attachment

from .. import services
from ..models import MilestoneClaim, MilestoneKind
from . import serializers


@extend_schema_view(
    list=extend_schema(summary="Milestone evidence and its verification state (佐证与核实)"),
    retrieve=extend_schema(summary="One milestone's evidence"),
)
class ClaimViewSet(ListMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = serializers.ClaimSerializer
    permission_classes = [*ApiViewSet.permission_classes, CanEditOrReadOnly]
    filterset_fields = ["kind", "state", "project"]
    ordering_fields = ["id", "submitted_at"]
    export_name = "milestone-evidence"

    def get_queryset(self):
        files = Attachment.objects.order_by("id")
        return scope(
            MilestoneClaim.objects.select_related("project")
            .prefetch_related(Prefetch("attachments", queryset=files, to_attr="evidence_files"))
            .order_by("id"),
            self.request.user,
        )

    @extend_schema(
        summary="Attach a file to a milestone's evidence (multipart)",
        request={"multipart/form-data": serializers.EvidenceUploadSerializer},
        responses={201: serializers.ClaimSerializer},
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request):
        data = serializers.EvidenceUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        model = services.RECORD_MODELS[MilestoneKind(fields["kind"])]
        record = get_object_or_404(scope(model.objects.all(), request.user), pk=fields["record_id"])
        attachment = services.evidence_add(
            kind=fields["kind"],
            record=record,
            upload=fields["file"],
            by=request.user,
            description=fields.get("description") or "",
        )
        claim = get_object_or_404(self.get_queryset(), pk=attachment.object_id)
        return Response(serializers.ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)
