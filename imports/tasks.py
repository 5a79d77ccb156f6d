"""Celery tasks for large ledgers: take a batch id, call a service, nothing else."""

from celery import shared_task

from accounts.models import User

from . import services
from .models import ImportBatch


@shared_task(acks_late=True)
def preview_batch(batch_id: int) -> str:
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status != ImportBatch.Status.PREVIEWING:
        return batch.status  # already done: a redelivered task changes nothing
    return services.batch_preview(batch=batch).status


@shared_task(acks_late=True)
def import_batch(
    batch_id: int, user_id: int | None, skip_errors: bool = False, correction_reason: str = ""
) -> str:
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status != ImportBatch.Status.IMPORTING:
        return batch.status
    by = User.objects.filter(pk=user_id).first() if user_id else None
    return services.batch_import(
        batch=batch, by=by, skip_errors=skip_errors, correction_reason=correction_reason
    ).status
