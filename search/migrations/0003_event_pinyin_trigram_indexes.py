"""Trigram GIN indexes on the events' title pinyin and initials (events.0003), as search.0002 has
for the projects'. PostgreSQL only, as there."""

from django.db import migrations

INDEXES = [
    ("search_event_pinyin_trgm", "events_promotionevent", "title_pinyin"),
    ("search_event_initials_trgm", "events_promotionevent", "title_initials"),
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
        ("search", "0002_project_pinyin_trigram_indexes"),
        ("events", "0003_event_title_pinyin"),
    ]

    operations = [migrations.RunPython(_create, _drop)]
