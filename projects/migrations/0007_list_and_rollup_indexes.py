"""Indexes for the project list's default order and its sort by amount; the rollup refresh's
covering indexes (created by rollups migrations in raw SQL) declared in Project.Meta; the
single-column indexes on region (every (region_id, …) index serves it) and stage (a plain list
filter reads it with the region, or walks the list's order) dropped. docs/PERFORMANCE.md lists
each index with the query it serves."""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models

MILESTONES = [
    "signed_on",
    "started_on",
    "planned_start_on",
    "producing_on",
    "at_capacity_on",
    "negotiating_on",
    "registered_on",
]
ROLLUP_INDEXES = [*(f"rollup_cell_{field}" for field in MILESTONES), "rollup_prj_stage_cell"]
ROLLUP_OPS = [
    migrations.AddIndex(
        model_name="project",
        index=models.Index(
            models.F("region"),
            django.db.models.functions.comparison.Coalesce(
                "chain", models.Value(0), output_field=models.BigIntegerField()
            ),
            django.db.models.functions.comparison.Coalesce(
                "method", models.Value(0), output_field=models.BigIntegerField()
            ),
            django.db.models.functions.comparison.Coalesce(
                "park", models.Value(0), output_field=models.BigIntegerField()
            ),
            models.F("is_confidential"),
            models.F("is_foreign"),
            models.F("is_out_of_province"),
            models.F("signed_on"),
            condition=models.Q(("is_deleted", False), ("signed_on__isnull", False)),
            include=("chain", "method", "park", "planned_investment", "id"),
            name="rollup_cell_signed_on",
        ),
    ),
    migrations.AddIndex(
        model_name="project",
        index=models.Index(
            models.F("region"),
            django.db.models.functions.comparison.Coalesce(
                "chain", models.Value(0), output_field=models.BigIntegerField()
            ),
            django.db.models.functions.comparison.Coalesce(
                "method", models.Value(0), output_field=models.BigIntegerField()
            ),
            django.db.models.functions.comparison.Coalesce(
                "park", models.Value(0), output_field=models.BigIntegerField()
            ),
            models.F("is_confidential"),
            models.F("is_foreign"),
            models.F("is_out_of_province"),
            models.F("started_on"),
            condition=models.Q(("is_deleted", False), ("started_on__isnull", False)),
            include=("chain", "method", "park", "planned_investment"),
            name="rollup_cell_started_on",
        ),
    ),
    migrations.AddIndex(
        model_name="project",
        index=models.Index(
            models.F("region"),
            django.db.models.functions.comparison.Coalesce(
                "chain", models.Value(0), output_field=models.BigIntegerField()
            ),
            django.db.models.functions.comparison.Coalesce(
                "method", models.Value(0), output_field=models.BigIntegerField()
            ),
            django.db.models.functions.comparison.Coalesce(
                "park", models.Value(0), output_field=models.BigIntegerField()
            ),
            models.F("is_confidential"),
            models.F("is_foreign"),
            models.F("is_out_of_province"),
            models.F("planned_start_on"),
            condition=models.Q(("is_deleted", False), ("planned_start_on__isnull", False)),
            include=("chain", "method", "park", "planned_investment"),
            name="rollup_cell_planned_start_on",
        ),
    ),
    migrations.AddIndex(
        model_name="project",
        index=models.Index(
            models.F("region"),
            django.db.models.functions.comparison.Coalesce(
                "chain", models.Value(0), output_field=models.BigIntegerField()
            ),
            django.db.models.functions.comparison.Coalesce(
                "method", models.Value(0), output_field=models.BigIntegerField()
            ),
            django.db.models.functions.comparison.Coalesce(
                "park", models.Value(0), output_field=models.BigIntegerField()
            ),
            models.F("is_confidential"),
            models.F("is_foreign"),
            models.F("is_out_of_province"),
            models.F("producing_on"),
            condition=models.Q(("is_deleted", False), ("producing_on__isnull", False)),
            include=("chain", "method", "park", "planned_investment"),
            name="rollup_cell_producing_on",
        ),
    ),
    migrations.AddIndex(
        model_name="project",
        index=models.Index(
            models.F("region"),
            django.db.models.functions.comparison.Coalesce(
                "chain", models.Value(0), output_field=models.BigIntegerField()
            ),
            django.db.models.functions.comparison.Coalesce(
                "method", models.Value(0), output_field=models.BigIntegerField()
            ),
            django.db.models.functions.comparison.Coalesce(
                "park", models.Value(0), output_field=models.BigIntegerField()
            ),
            models.F("is_confidential"),
            models.F("is_foreign"),
            models.F("is_out_of_province"),
            models.F("at_capacity_on"),
            condition=models.Q(("is_deleted", False), ("at_capacity_on__isnull", False)),
            include=("chain", "method", "park", "planned_investment"),
            name="rollup_cell_at_capacity_on",
        ),
    ),
    migrations.AddIndex(
        model_name="project",
        index=models.Index(
            models.F("region"),
            django.db.models.functions.comparison.Coalesce(
                "chain", models.Value(0), output_field=models.BigIntegerField()
            ),
            django.db.models.functions.comparison.Coalesce(
                "method", models.Value(0), output_field=models.BigIntegerField()
            ),
            django.db.models.functions.comparison.Coalesce(
                "park", models.Value(0), output_field=models.BigIntegerField()
            ),
            models.F("is_confidential"),
            models.F("is_foreign"),
            models.F("is_out_of_province"),
            models.F("negotiating_on"),
            condition=models.Q(("is_deleted", False), ("negotiating_on__isnull", False)),
            include=("chain", "method", "park", "planned_investment"),
            name="rollup_cell_negotiating_on",
        ),
    ),
    migrations.AddIndex(
        model_name="project",
        index=models.Index(
            models.F("region"),
            django.db.models.functions.comparison.Coalesce(
                "chain", models.Value(0), output_field=models.BigIntegerField()
            ),
            django.db.models.functions.comparison.Coalesce(
                "method", models.Value(0), output_field=models.BigIntegerField()
            ),
            django.db.models.functions.comparison.Coalesce(
                "park", models.Value(0), output_field=models.BigIntegerField()
            ),
            models.F("is_confidential"),
            models.F("is_foreign"),
            models.F("is_out_of_province"),
            models.F("registered_on"),
            condition=models.Q(("is_deleted", False)),
            include=("chain", "method", "park", "planned_investment", "id"),
            name="rollup_cell_registered_on",
        ),
    ),
    migrations.AddIndex(
        model_name="project",
        index=models.Index(
            models.F("region"),
            models.F("stage"),
            django.db.models.functions.comparison.Coalesce(
                "chain", models.Value(0), output_field=models.BigIntegerField()
            ),
            django.db.models.functions.comparison.Coalesce(
                "method", models.Value(0), output_field=models.BigIntegerField()
            ),
            condition=models.Q(("is_deleted", False)),
            include=("chain", "method", "planned_investment"),
            name="rollup_prj_stage_cell",
        ),
    ),
]


def _adopt(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for field in MILESTONES:
            schema_editor.execute(
                f"ALTER INDEX IF EXISTS rollup_prj_{field}_by_cell RENAME TO rollup_cell_{field}"
            )
        return
    project = apps.get_model("projects", "Project")
    for operation in ROLLUP_OPS:
        schema_editor.add_index(project, operation.index)


def _release(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for field in MILESTONES:
            schema_editor.execute(
                f"ALTER INDEX IF EXISTS rollup_cell_{field} RENAME TO rollup_prj_{field}_by_cell"
            )
        return
    for name in ROLLUP_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_attachment"),
        ("enterprises", "0004_tier_counts_revenue"),
        ("projects", "0006_project_late_entry"),
        ("rollups", "0009_completed_measure_and_signing_caliber"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Created on PostgreSQL by rollups migrations 0004/0005/0007/0009 (raw SQL); declared in
        # Project.Meta from here on. PostgreSQL keeps them (the milestone ones renamed: Django
        # allows 30 characters), no rebuild; other databases build them now.
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(_adopt, _release)],
            state_operations=ROLLUP_OPS,
        ),
        migrations.AlterField(
            model_name="historicalproject",
            name="stage",
            field=models.CharField(
                choices=[
                    ("lead", "Lead"),
                    ("negotiating", "Negotiating"),
                    ("signed", "Signed"),
                    ("started", "Started"),
                    ("producing", "Producing"),
                    ("at_capacity", "At capacity"),
                    ("dropped", "Dropped"),
                ],
                default="lead",
                max_length=12,
                verbose_name="stage",
            ),
        ),
        migrations.AlterField(
            model_name="project",
            name="region",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="projects",
                to="core.region",
                verbose_name="region",
            ),
        ),
        migrations.AlterField(
            model_name="project",
            name="stage",
            field=models.CharField(
                choices=[
                    ("lead", "Lead"),
                    ("negotiating", "Negotiating"),
                    ("signed", "Signed"),
                    ("started", "Started"),
                    ("producing", "Producing"),
                    ("at_capacity", "At capacity"),
                    ("dropped", "Dropped"),
                ],
                default="lead",
                max_length=12,
                verbose_name="stage",
            ),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                condition=models.Q(("is_deleted", False)),
                fields=["-registered_on", "-id"],
                name="project_registered_order",
            ),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                condition=models.Q(("is_deleted", False)),
                fields=["planned_investment", "id"],
                name="project_amount_order",
            ),
        ),
    ]
