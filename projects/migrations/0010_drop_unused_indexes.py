"""Issue 19: every index on projects_project serves a query (docs/PERFORMANCE.md, "Indexes on
projects"). Dropped: the seven (region_id, milestone date) indexes (the list's date filters read
the single-column date indexes, the registration order or the rollup refresh's cell indexes, which
lead with region_id; the refresh itself no longer reads them), the single-column indexes on
park_id, chain_id, chain_link_id and method_id (a tenth of the projects per value; they cost every
save and the API page's planning) and on is_deleted (for projects and their history; live lists
read partial indexes). Added: a partial index of the deleted projects for their list."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Django's names for the foreign keys' indexes (the same on PostgreSQL and SQLite).
FK_INDEXES = [
    ("projects_project_chain_id_898231a1", "chain_id"),
    ("projects_project_chain_link_id_a868a2dc", "chain_link_id"),
    ("projects_project_method_id_e4f90af1", "method_id"),
    ("projects_project_park_id_ed4b8050", "park_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_idempotency_key"),
        ("enterprises", "0005_park_contact_name_pinyin"),
        ("projects", "0009_project_name_pinyin"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="project",
            name="project_rgn_signed_on",
        ),
        migrations.RemoveIndex(
            model_name="project",
            name="project_rgn_started_on",
        ),
        migrations.RemoveIndex(
            model_name="project",
            name="project_rgn_planned_start_on",
        ),
        migrations.RemoveIndex(
            model_name="project",
            name="project_rgn_producing_on",
        ),
        migrations.RemoveIndex(
            model_name="project",
            name="project_rgn_at_capacity_on",
        ),
        migrations.RemoveIndex(
            model_name="project",
            name="project_rgn_negotiating_on",
        ),
        migrations.RemoveIndex(
            model_name="project",
            name="project_rgn_registered_on",
        ),
        migrations.AlterField(
            model_name="historicalproject",
            name="is_deleted",
            field=models.BooleanField(default=False, verbose_name="deleted"),
        ),
        migrations.AlterField(
            model_name="project",
            name="is_deleted",
            field=models.BooleanField(default=False, verbose_name="deleted"),
        ),
        # Only the index goes: Django's AlterField would also drop and re-add the foreign key
        # constraint, which validates every row again (a full read of the table per key).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="project",
                    name="chain",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="projects",
                        to="core.industrychain",
                        verbose_name="industry chain",
                    ),
                ),
                migrations.AlterField(
                    model_name="project",
                    name="chain_link",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="projects",
                        to="core.chainlink",
                        verbose_name="chain link",
                    ),
                ),
                migrations.AlterField(
                    model_name="project",
                    name="method",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="projects",
                        to="core.promotionmethod",
                        verbose_name="promotion method",
                    ),
                ),
                migrations.AlterField(
                    model_name="project",
                    name="park",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="projects",
                        to="enterprises.industrialpark",
                        verbose_name="park",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    f"CREATE INDEX IF NOT EXISTS {name} ON projects_project ({column})",
                )
                for name, column in FK_INDEXES
            ],
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                condition=models.Q(("is_deleted", True)),
                fields=["-deleted_at"],
                name="project_deleted",
            ),
        ),
    ]
