"""Covering indexes on projects for the incremental rollup refresh (PostgreSQL only).

Per milestone: (region, date) with the cell's other keys and the amount included, partial on live
rows, so recomputing one cell's one measure is an index-only range scan of one region-month.
Per stage: (region, stage) with the amount, for the pipeline snapshot. Per cell key: for the funds
branch (a cell's projects, then their funds of the month by the (project, month) key).
"""

from django.db import migrations

FIELDS = [
    "signed_on",
    "started_on",
    "planned_start_on",
    "producing_on",
    "at_capacity_on",
    "negotiating_on",
    "registered_on",
]
INCLUDE = (
    "chain_id, method_id, park_id, is_confidential, is_foreign, is_out_of_province, "
    "planned_investment"
)
CREATE = [
    *[
        f"CREATE INDEX IF NOT EXISTS rollup_prj_{field} ON projects_project (region_id, {field}) "
        f"INCLUDE ({INCLUDE}) WHERE NOT is_deleted AND {field} IS NOT NULL"
        for field in FIELDS
    ],
    "CREATE INDEX IF NOT EXISTS rollup_prj_stage ON projects_project (region_id, stage) "
    "INCLUDE (planned_investment) WHERE NOT is_deleted",
    # The raw columns are included so the funds branch can read it index-only.
    "CREATE INDEX IF NOT EXISTS rollup_prj_cell ON projects_project (region_id, "
    "(coalesce(chain_id, 0)), (coalesce(method_id, 0)), (coalesce(park_id, 0)), "
    "is_confidential, is_foreign, is_out_of_province) INCLUDE (id, chain_id, method_id, park_id) "
    "WHERE NOT is_deleted",
]
DROP = [f"DROP INDEX IF EXISTS rollup_prj_{name}" for name in [*FIELDS, "stage", "cell"]]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite (make run without a database) does without
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0003_cell_park_origin_and_chain_table"),
        ("projects", "0002_rollup_indexes"),
    ]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
