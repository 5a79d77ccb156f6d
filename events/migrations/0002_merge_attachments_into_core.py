"""Event attachments become core.Attachment rows (one attachment model, issue 21).

Each EventAttachment row is copied to core.Attachment pointing at its event (generic relation); the
stored file stays where it is (the new row names the same path). The reverse copies them back."""

from django.db import migrations


def forward(apps, schema_editor):
    EventAttachment = apps.get_model("events", "EventAttachment")
    Attachment = apps.get_model("core", "Attachment")
    ContentType = apps.get_model("contenttypes", "ContentType")
    event_type, _created = ContentType.objects.get_or_create(
        app_label="events", model="promotionevent"
    )
    rows = []
    for old in EventAttachment.objects.order_by("id").iterator():
        rows.append(
            Attachment(
                content_type_id=event_type.pk,
                object_id=old.event_id,
                file=old.file.name,
                original_name=old.original_name[-200:],
                mime_type=old.content_type,
                size=old.size,
                description=old.description,
                uploaded_by_id=old.uploaded_by_id,
            )
        )
    created = Attachment.objects.bulk_create(rows)
    # uploaded_at is auto_now_add: carry the original time over in a second step.
    for new, old in zip(created, EventAttachment.objects.order_by("id").iterator(), strict=True):
        Attachment.objects.filter(pk=new.pk).update(uploaded_at=old.created_at)


def backward(apps, schema_editor):
    EventAttachment = apps.get_model("events", "EventAttachment")
    Attachment = apps.get_model("core", "Attachment")
    ContentType = apps.get_model("contenttypes", "ContentType")
    event_type = ContentType.objects.filter(app_label="events", model="promotionevent").first()
    if event_type is None:
        return
    moved = Attachment.objects.filter(content_type_id=event_type.pk)
    for row in moved.order_by("id").iterator():
        old = EventAttachment.objects.create(
            event_id=row.object_id,
            file=row.file.name,
            original_name=row.original_name,
            content_type=row.mime_type,
            size=row.size,
            description=row.description,
            uploaded_by_id=row.uploaded_by_id,
        )
        EventAttachment.objects.filter(pk=old.pk).update(created_at=row.uploaded_at)
    moved.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("core", "0004_idempotency_key"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="EventAttachment"),
    ]
