from django.db import migrations


def forget_day_tallies(apps, schema_editor):
    """The day tallies counted so far were checked for staleness by their readers; from now on
    the history's writers keep them exact, so each day is counted afresh on its next read."""
    apps.get_model("lights", "LightDayTally").objects.all().delete()
    apps.get_model("lights", "LightDayMark").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lights", "0004_light_day_tally"),
    ]

    operations = [
        migrations.RunPython(forget_day_tallies, migrations.RunPython.noop),
    ]
