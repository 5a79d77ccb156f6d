"""Trigram GIN indexes on the projects' pinyin and initials (projects.0009), which global search
matches letter queries against ("jlqc"), as search.0001 does for the enterprises'. PostgreSQL only,
as there."""

from django.db import migrations

INDEXES = [
    ("search_project_pinyin_trgm", "projects_project", "name_pinyin"),
    ("search_project_initials_trgm", "projects_project", "name_initials"),
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
        ("search", "0001_trigram_indexes"),
        ("projects", "0009_project_name_pinyin"),
    ]

    operations = [migrations.RunPython(_create, _drop)]
