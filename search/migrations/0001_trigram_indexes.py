"""pg_trgm and the trigram GIN indexes that serve global search's LIKE '%…%' filters on PostgreSQL.

Each index is on the expression Django's lookup puts on the left of LIKE, so the planner can use it:
`icontains` -> UPPER(col::text), `contains` / `startswith` -> col::text (a varchar column's own
index serves that). SQLite (the embedded default) gets none of this: TrigramExtension is a no-op
there, and the index step checks the vendor.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# (index name, table, indexed expression)
INDEXES = [
    ("search_project_name_trgm", "projects_project", "UPPER(name::text)"),
    ("search_enterprise_name_trgm", "enterprises_enterprise", "UPPER(name::text)"),
    ("search_enterprise_norm_trgm", "enterprises_enterprise", "UPPER(normalized_name::text)"),
    ("search_enterprise_pinyin_trgm", "enterprises_enterprise", "name_pinyin"),
    ("search_enterprise_initials_trgm", "enterprises_enterprise", "name_initials"),
    ("search_enterprise_credit_trgm", "enterprises_enterprise", "credit_code"),
    ("search_contact_mobile_trgm", "enterprises_enterprisecontact", "mobile_normalized"),
    ("search_event_title_trgm", "events_promotionevent", "UPPER(title::text)"),
]


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression} gin_trgm_ops)"
        )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0008_project_light"),
        ("enterprises", "0004_tier_counts_revenue"),
        ("events", "0001_initial"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(_create, _drop),
    ]
