"""Ledger batches remember the records they wrote by model label, for rollback. Target moved
from the dashboards app to the targets app (targets/migrations/0001): rename the label in the
batches already stored, so their rollback still finds the rows."""

from django.db import migrations

OLD, NEW = "dashboards.target", "targets.target"


def relabel(apps, schema_editor, old=OLD, new=NEW):
    ImportBatch = apps.get_model("imports", "ImportBatch")
    for batch in ImportBatch.objects.all().only("created", "updated", "history").iterator():
        if not (old in batch.created or old in batch.updated or any(h[0] == old for h in batch.history)):
            continue
        batch.created = {new if k == old else k: v for k, v in batch.created.items()}
        batch.updated = {new if k == old else k: v for k, v in batch.updated.items()}
        batch.history = [[new if h[0] == old else h[0], h[1]] for h in batch.history]
        batch.save(update_fields=["created", "updated", "history"])


def relabel_back(apps, schema_editor):
    relabel(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):

    dependencies = [
        ("imports", "0002_events_targets_kinds"),
        ("targets", "0001_initial"),
    ]

    operations = [migrations.RunPython(relabel, relabel_back)]
