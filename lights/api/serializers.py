"""督办 items and light rules over the API: read-only rows, plus the county's answer and the city's
close / return as actions (the same services as the pages)."""

from rest_framework import serializers

from lights.models import LightRule, SupervisionItem


class SupervisionItemSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    region = serializers.CharField(source="project.region.code", read_only=True)
    overdue = serializers.SerializerMethodField(help_text="逾期: unanswered after the due date")

    class Meta:
        model = SupervisionItem
        fields = [
            "id",
            "project",
            "project_name",
            "region",
            "origin",
            "owner",
            "due_on",
            "instruction",
            "status",
            "overdue",
            "answer",
            "answered_at",
            "review_note",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_overdue(self, item: SupervisionItem) -> bool:
        return item.is_overdue(self.context["today"])


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(allow_blank=True, max_length=5000)


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, max_length=500)


class LightRuleSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    chain = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = LightRule
        fields = [
            "id",
            "series",
            "version",
            "from_stage",
            "region",
            "chain",
            "min_investment",
            "yellow_days",
            "red_days",
            "is_current",
            "created_at",
        ]
        read_only_fields = fields
