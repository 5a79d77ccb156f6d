"""Target now lives in the targets app (targets/migrations/0001 takes over its tables, which
are renamed, not dropped): here it only leaves the dashboards' state."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("dashboards", "0001_initial"),
        ("targets", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HistoricalTarget"),
                migrations.DeleteModel(name="Target"),
            ],
            database_operations=[],
        ),
    ]
