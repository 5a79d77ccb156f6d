"""Global search's indexes for the parks' and contacts' names, pinyin and initials
(enterprises.0005), and the B-tree prefix indexes that serve short queries. PostgreSQL only, as
search.0001.

- Trigram GIN indexes (as search.0001–0003) for `LIKE '%…%'` on the parks' and contacts' names,
  pinyin and initials: a query of three characters or more.
- B-tree `text_pattern_ops` indexes for `LIKE '…%'`: a query of one or two characters holds no
  trigram, so a trigram index cannot narrow it (PostgreSQL reads the whole index, then every row);
  global search matches such a query only at the start of a name, pinyin or initials
  (search.selectors.SHORT_QUERY), which these indexes answer by a range scan. `text_pattern_ops`
  because the databases' collation is not "C" (a default B-tree then cannot serve LIKE). Each is
  on the expression Django's lookup puts left of LIKE: `istartswith` -> UPPER(col::text),
  `startswith` -> col::text (a varchar column's own index serves that).
"""

from django.db import migrations

TRIGRAM = [
    ("search_park_name_trgm", "enterprises_industrialpark", "UPPER(name::text)"),
    ("search_park_pinyin_trgm", "enterprises_industrialpark", "name_pinyin"),
    ("search_park_initials_trgm", "enterprises_industrialpark", "name_initials"),
    ("search_contact_name_trgm", "enterprises_enterprisecontact", "UPPER(name::text)"),
    ("search_contact_pinyin_trgm", "enterprises_enterprisecontact", "name_pinyin"),
    ("search_contact_initials_trgm", "enterprises_enterprisecontact", "name_initials"),
]

PREFIX = [
    ("search_project_name_prefix", "projects_project", "UPPER(name::text)"),
    ("search_project_pinyin_prefix", "projects_project", "name_pinyin"),
    ("search_project_initials_prefix", "projects_project", "name_initials"),
    ("search_enterprise_name_prefix", "enterprises_enterprise", "UPPER(name::text)"),
    ("search_enterprise_norm_prefix", "enterprises_enterprise", "UPPER(normalized_name::text)"),
    ("search_enterprise_pinyin_prefix", "enterprises_enterprise", "name_pinyin"),
    ("search_enterprise_initials_prefix", "enterprises_enterprise", "name_initials"),
    ("search_event_title_prefix", "events_promotionevent", "UPPER(title::text)"),
    ("search_event_city_prefix", "events_promotionevent", "UPPER(place_city::text)"),
    ("search_event_pinyin_prefix", "events_promotionevent", "title_pinyin"),
    ("search_event_initials_prefix", "events_promotionevent", "title_initials"),
    ("search_park_name_prefix", "enterprises_industrialpark", "UPPER(name::text)"),
    ("search_park_pinyin_prefix", "enterprises_industrialpark", "name_pinyin"),
    ("search_park_initials_prefix", "enterprises_industrialpark", "name_initials"),
    ("search_contact_name_prefix", "enterprises_enterprisecontact", "UPPER(name::text)"),
    ("search_contact_pinyin_prefix", "enterprises_enterprisecontact", "name_pinyin"),
    ("search_contact_initials_prefix", "enterprises_enterprisecontact", "name_initials"),
]


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in TRIGRAM:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression} gin_trgm_ops)"
        )
    for name, table, expression in PREFIX:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({expression} text_pattern_ops)"
        )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in TRIGRAM + PREFIX:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_event_pinyin_trigram_indexes"),
        ("enterprises", "0005_park_contact_name_pinyin"),
    ]

    operations = [migrations.RunPython(_create, _drop)]
