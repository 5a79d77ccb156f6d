"""Milestone evidence in the API: its verification state (read) and an upload (multipart)."""

from __future__ import annotations

from rest_framework import serializers

from ..models import MilestoneClaim, MilestoneKind

MONEY = {"max_digits": 18, "decimal_places": 6, "coerce_to_string": True}


class ClaimSerializer(serializers.ModelSerializer):
    """A milestone's evidence claim: what was claimed, its state (待核实 / 已核实 / 退回) and files."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    record_id = serializers.IntegerField(source="object_id", read_only=True)
    amount = serializers.DecimalField(**MONEY, read_only=True)
    files = serializers.SerializerMethodField()

    class Meta:
        model = MilestoneClaim
        fields = [
            "id",
            "kind",
            "kind_display",
            "project",
            "project_name",
            "record_id",
            "claimed_on",
            "amount",
            "state",
            "state_display",
            "return_reason",
            "found_false",
            "submitted_at",
            "decided_at",
            "files",
        ]

    def get_files(self, claim) -> list[dict]:
        return [
            {"id": a.pk, "name": a.original_name, "size": a.size}
            for a in getattr(claim, "evidence_files", [])
        ]


class EvidenceUploadSerializer(serializers.Serializer):
    """multipart/form-data: which milestone record, and the file."""

    kind = serializers.ChoiceField(choices=MilestoneKind.choices)
    record_id = serializers.IntegerField(
        min_value=1,
        help_text="The signing's id (signed), the project's id (started) or the funds row's id "
        "(funds)",
    )
    file = serializers.FileField()
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
