"""Ledger batches remember the records they wrote (`created`, `updated`: for rollback) and the
checked plan (`plan`: objects as {"$obj": label, "pk": …}) by model label. Target moved from the
dashboards app to the targets app (targets/migrations/0001): rename the label in the batches
already stored, so their rollback and their confirm still find the rows."""

from django.db import migrations

OLD, NEW = "dashboards.target", "targets.target"


def _relabel_objects(value, old: str, new: str):
    if isinstance(value, list):
        return [_relabel_objects(v, old, new) for v in value]
    if isinstance(value, dict):
        out = {k: _relabel_objects(v, old, new) for k, v in value.items()}
        if out.get("$obj") == old:
            out["$obj"] = new
        return out
    return value


def relabel(apps, schema_editor, old=OLD, new=NEW):
    ImportBatch = apps.get_model("imports", "ImportBatch")
    for batch in ImportBatch.objects.only("created", "updated", "plan").iterator():
        created = {new if k == old else k: v for k, v in batch.created.items()}
        updated = {new if k == old else k: v for k, v in batch.updated.items()}
        plan = _relabel_objects(batch.plan, old, new)
        if (created, updated, plan) != (batch.created, batch.updated, batch.plan):
            batch.created, batch.updated, batch.plan = created, updated, plan
            batch.save(update_fields=["created", "updated", "plan"])


def relabel_back(apps, schema_editor):
    relabel(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0003_stored_plan"),
        ("targets", "0001_initial"),
    ]

    operations = [migrations.RunPython(relabel, relabel_back)]
