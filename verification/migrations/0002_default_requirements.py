"""The evidence each milestone needs by default (issue 21); the city administrator edits them."""

from django.db import migrations

DEFAULTS = [
    ("signed", "投资协议/合同", False),
    ("started", "带拍摄日期的现场开工照片，或施工许可证", True),
    ("funds", "银行进账凭证", False),
]


def forward(apps, schema_editor):
    Requirement = apps.get_model("verification", "EvidenceRequirement")
    for kind, text, photo in DEFAULTS:
        Requirement.objects.get_or_create(
            kind=kind, defaults={"requirement": text, "photo_date_checked": photo}
        )


def backward(apps, schema_editor):
    apps.get_model("verification", "EvidenceRequirement").objects.filter(
        kind__in=[kind for kind, _text, _photo in DEFAULTS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("verification", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
