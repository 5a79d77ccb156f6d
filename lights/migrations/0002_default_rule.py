"""The default deadline: signed → started, yellow after 150 days, red after 180 (超时限未开工)."""

from django.db import migrations


def add_default(apps, schema_editor):
    LightRule = apps.get_model("lights", "LightRule")
    if not LightRule.objects.filter(from_stage="signed", is_current=True).exists():
        LightRule.objects.create(
            series=1, version=1, from_stage="signed", yellow_days=150, red_days=180
        )


def remove_default(apps, schema_editor):
    apps.get_model("lights", "LightRule").objects.filter(series=1, version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("lights", "0001_initial")]
    operations = [migrations.RunPython(add_default, remove_default)]
