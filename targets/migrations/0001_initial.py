"""Target moves here from the dashboards app: nothing reads up into the dashboards (#19).

The model (and its change history) is taken over in Django's state as it stands, on the
dashboards' tables, then the tables are renamed to this app's names. No row is copied, so
every target and its history survives; the content types (and with them admin log entries and
permissions) are relabelled rather than created anew. Ledger batches that name the model are
relabelled by imports/migrations/0004."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

MODELS = ["target", "historicaltarget"]


def relabel_content_types(apps, schema_editor, old="dashboards", new="targets"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model__in=MODELS).exists():
        ContentType.objects.filter(app_label=old, model__in=MODELS).update(app_label=new)


def relabel_content_types_back(apps, schema_editor):
    relabel_content_types(apps, schema_editor, old="targets", new="dashboards")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("dashboards", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='HistoricalTarget',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='created at')),
                        ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP address')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                        ('signed_count', models.PositiveIntegerField(default=0, verbose_name='signed projects')),
                        ('signed_amount', models.DecimalField(decimal_places=6, default=0, max_digits=18, verbose_name='signed investment (万元)')),
                        ('new_start_amount', models.DecimalField(decimal_places=6, default=0, max_digits=18, verbose_name='new-start investment (万元)')),
                        ('funds_amount', models.DecimalField(decimal_places=6, default=0, max_digits=18, verbose_name='funds in place (万元)')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('region', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.region', verbose_name='region')),
                    ],
                    options={
                        'verbose_name': 'historical target',
                        'db_table': 'dashboards_historicaltarget',
                        'verbose_name_plural': 'historical targets',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='Target',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                        ('signed_count', models.PositiveIntegerField(default=0, verbose_name='signed projects')),
                        ('signed_amount', models.DecimalField(decimal_places=6, default=0, max_digits=18, verbose_name='signed investment (万元)')),
                        ('new_start_amount', models.DecimalField(decimal_places=6, default=0, max_digits=18, verbose_name='new-start investment (万元)')),
                        ('funds_amount', models.DecimalField(decimal_places=6, default=0, max_digits=18, verbose_name='funds in place (万元)')),
                        ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='targets', to='core.region', verbose_name='region')),
                    ],
                    options={
                        'verbose_name': 'target',
                        'db_table': 'dashboards_target',
                        'verbose_name_plural': 'targets',
                        'ordering': ['-year', 'region__sort_order'],
                        'constraints': [models.UniqueConstraint(fields=('region', 'year'), name='target_unique_region_year'), models.CheckConstraint(condition=models.Q(('signed_amount__gte', 0), ('new_start_amount__gte', 0), ('funds_amount__gte', 0)), name='target_amounts_nonnegative')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="target", table=None),
        migrations.AlterModelTable(name="historicaltarget", table=None),
        migrations.RunPython(relabel_content_types, relabel_content_types_back),
    ]
