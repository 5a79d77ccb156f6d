"""The refresh's covering indexes on projects led by the fine cell's key (PostgreSQL only).

Migration 0004 keyed them (region, milestone date) with the cell's other keys included, so
recomputing one cell's one measure range-scanned the whole region-month and filtered out the other
cells' entries (~600 per pair at 10^6 projects). These are keyed (region, chain, method, park,
confidential, foreign, out-of-province, milestone date), 0 standing for a null id: a pair reads
only its own entries. They replace 0004's seven milestone indexes and its per-cell index (the one
on registered_on, a required date, covers every live project and includes the id, so the funds
branch reads a cell's projects from it): eight indexes on projects become seven.

The raw chain, method and park ids are included because PostgreSQL plans an index-only scan only
when every column the query names is in the index, and the coalesce() keys name them.
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
CELL = (
    "region_id, (coalesce(chain_id, 0)), (coalesce(method_id, 0)), (coalesce(park_id, 0)), "
    "is_confidential, is_foreign, is_out_of_province"
)


def _create(field: str) -> str:
    include = "chain_id, method_id, park_id, planned_investment"
    where = "NOT is_deleted"
    if field == "registered_on":  # NOT NULL: every live project, with its id for the funds
        include += ", id"
    else:
        where += f" AND {field} IS NOT NULL"
    return (
        f"CREATE INDEX IF NOT EXISTS rollup_prj_{field}_by_cell ON projects_project "
        f"({CELL}, {field}) INCLUDE ({include}) WHERE {where}"
    )


CREATE = [_create(field) for field in FIELDS]
DROP_NEW = [f"DROP INDEX IF EXISTS rollup_prj_{field}_by_cell" for field in FIELDS]
# Migration 0004's indexes, for going backwards.
OLD_INCLUDE = (
    "chain_id, method_id, park_id, is_confidential, is_foreign, is_out_of_province, "
    "planned_investment"
)
CREATE_OLD = [
    *[
        f"CREATE INDEX IF NOT EXISTS rollup_prj_{field} ON projects_project (region_id, {field}) "
        f"INCLUDE ({OLD_INCLUDE}) WHERE NOT is_deleted AND {field} IS NOT NULL"
        for field in FIELDS
    ],
    "CREATE INDEX IF NOT EXISTS rollup_prj_cell ON projects_project (region_id, "
    "(coalesce(chain_id, 0)), (coalesce(method_id, 0)), (coalesce(park_id, 0)), "
    "is_confidential, is_foreign, is_out_of_province) INCLUDE (id, chain_id, method_id, park_id) "
    "WHERE NOT is_deleted",
]
DROP_OLD = [f"DROP INDEX IF EXISTS rollup_prj_{name}" for name in [*FIELDS, "cell"]]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite (make run without a database) does without
        for sql in statements:
            schema_editor.execute(sql)
        # The planner needs statistics on the new expression columns.
        schema_editor.execute("ANALYZE projects_project")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0006_chain_rollup_unique_chain"),
    ]

    operations = [
        migrations.RunPython(_run([*DROP_OLD, *CREATE]), _run([*DROP_NEW, *CREATE_OLD])),
    ]
