"""The fine cell's unique key with 0 for a null chain, method or park (the old constraint counted
two null cells as different, so it did not hold for them, and the refresh could not find a null
cell with an exact index probe). Rows duplicating a cell under the new key — there should be
none: the refresh writes one row per cell under its advisory lock — are deleted first, keeping the
oldest; the next full rebuild reports and fixes any difference that leaves.

The rollup tables keep a tenth of each page free (PostgreSQL only): every refresh rewrites a few
rows of them, and with room on the page the new row version stays there (a HOT update: the indexes
are not written, and a region-month's cells stay on the pages they share)."""

import django.db.models.functions.comparison
from django.db import migrations, models

DEDUPLICATE = (
    "DELETE FROM rollups_monthlyrollup WHERE EXISTS (SELECT 1 FROM rollups_monthlyrollup o "
    "WHERE o.id < rollups_monthlyrollup.id AND o.region_id = rollups_monthlyrollup.region_id "
    "AND o.month = rollups_monthlyrollup.month "
    "AND coalesce(o.chain_id, 0) = coalesce(rollups_monthlyrollup.chain_id, 0) "
    "AND coalesce(o.method_id, 0) = coalesce(rollups_monthlyrollup.method_id, 0) "
    "AND coalesce(o.park_id, 0) = coalesce(rollups_monthlyrollup.park_id, 0) "
    "AND o.is_confidential = rollups_monthlyrollup.is_confidential "
    "AND o.is_foreign = rollups_monthlyrollup.is_foreign "
    "AND o.is_out_of_province = rollups_monthlyrollup.is_out_of_province)"
)


TABLES = [
    "rollups_monthlyrollup",
    "rollups_regionmonthrollup",
    "rollups_regionmonthchainrollup",
    "rollups_stagerollup",
]


def _fillfactor(value):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite has no fill factor
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {value})")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0007_project_indexes_by_cell"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="monthlyrollup",
            name="monthlyrollup_unique_cell",
        ),
        migrations.RunSQL(DEDUPLICATE, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="monthlyrollup",
            constraint=models.UniqueConstraint(
                models.F("region_id"),
                models.F("month"),
                django.db.models.functions.comparison.Coalesce("chain_id", 0),
                django.db.models.functions.comparison.Coalesce("method_id", 0),
                django.db.models.functions.comparison.Coalesce("park_id", 0),
                models.F("is_confidential"),
                models.F("is_foreign"),
                models.F("is_out_of_province"),
                name="monthlyrollup_unique_cell_key",
            ),
        ),
        migrations.RunPython(_fillfactor(90), _fillfactor(100)),
    ]
