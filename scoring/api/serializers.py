from rest_framework import serializers

from ..models import ReportDocument


class ReportDocumentSerializer(serializers.ModelSerializer):
    """A generated 通报 or 提醒函: who generated it and when; the file at `download`."""

    region = serializers.CharField(source="region.code", default=None, help_text="Region code")
    region_name = serializers.CharField(source="region.name", default=None)
    generated_by = serializers.CharField(source="generated_by.username", default=None)
    download = serializers.SerializerMethodField(help_text="URL of the .docx")

    class Meta:
        model = ReportDocument
        fields = [
            "id",
            "kind",
            "year",
            "period",
            "region",
            "region_name",
            "title",
            "filename",
            "sha256",
            "generated_by",
            "created_at",
            "download",
        ]

    def get_download(self, obj) -> str:
        request = self.context.get("request")
        path = f"/api/v1/reports/{obj.pk}/download/"
        return request.build_absolute_uri(path) if request is not None else path
