"""The stage snapshot keyed by region × stage × chain × method (0 for "not given"), so a refresh
recounts one small cell instead of a whole region-stage; its covering index on projects
(PostgreSQL only) replaces rollup_prj_stage. Stored rows are recomputed here in one grouped
statement (derived data); backwards, the coarse rows are recomputed the same way."""

from django.db import migrations, models

STAGES = "rollups_stagerollup"
FINE = (
    f"INSERT INTO {STAGES} (region_id, stage, chain_id, method_id, project_count, amount) "  # nosec B608
    "SELECT region_id, stage, coalesce(chain_id, 0), coalesce(method_id, 0), count(*), "
    "coalesce(sum(planned_investment), 0) FROM projects_project WHERE NOT is_deleted "
    "GROUP BY region_id, stage, coalesce(chain_id, 0), coalesce(method_id, 0)"
)
COARSE = (
    f"INSERT INTO {STAGES} (region_id, stage, project_count, amount) "  # nosec B608
    "SELECT region_id, stage, count(*), coalesce(sum(planned_investment), 0) "
    "FROM projects_project WHERE NOT is_deleted GROUP BY region_id, stage"
)
CREATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS rollup_prj_stage_cell ON projects_project (region_id, stage, "
    "(coalesce(chain_id, 0)), (coalesce(method_id, 0))) "
    # The raw columns too: an index-only scan needs every column the query names.
    "INCLUDE (chain_id, method_id, planned_investment) "
    "WHERE NOT is_deleted"
)
OLD_INDEX = (
    "CREATE INDEX IF NOT EXISTS rollup_prj_stage ON projects_project (region_id, stage) "
    "INCLUDE (planned_investment) WHERE NOT is_deleted"
)


def _run(*statements, pg_only=False):
    def run(apps, schema_editor):
        if pg_only and schema_editor.connection.vendor != "postgresql":
            return  # SQLite (make run without a database) does without the indexes
        for sql in statements:
            schema_editor.execute(sql)

    return run


def _noop(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0004_project_covering_indexes"),
    ]

    operations = [
        # Backwards, last: the coarse rows again, once the old key is back.
        migrations.RunPython(_noop, _run(COARSE)),
        migrations.RunPython(_run(f"DELETE FROM {STAGES}"), _run(f"DELETE FROM {STAGES}")),  # nosec B608
        migrations.RemoveConstraint(
            model_name="stagerollup",
            name="stagerollup_unique_cell",
        ),
        migrations.AddField(
            model_name="stagerollup",
            name="chain_id",
            field=models.IntegerField(default=0, verbose_name="industry chain"),
        ),
        migrations.AddField(
            model_name="stagerollup",
            name="method_id",
            field=models.IntegerField(default=0, verbose_name="promotion method"),
        ),
        migrations.AddConstraint(
            model_name="stagerollup",
            constraint=models.UniqueConstraint(
                fields=("region_id", "stage", "chain_id", "method_id"),
                name="stagerollup_unique_chain_method",
            ),
        ),
        migrations.RunPython(_run(FINE), _run(f"DELETE FROM {STAGES}")),  # nosec B608
        migrations.RunPython(
            _run(CREATE_INDEX, "DROP INDEX IF EXISTS rollup_prj_stage", pg_only=True),
            _run(OLD_INDEX, "DROP INDEX IF EXISTS rollup_prj_stage_cell", pg_only=True),
        ),
    ]
