"""Reads of import batches: a user sees the batches they uploaded; city administrators see all
(the rule is accounts.scoping's, like every other model's)."""

from django.db.models import QuerySet

from accounts.scoping import get_object_or_404_for, scope

from .models import ImportBatch


def batch_queryset(*, user) -> QuerySet[ImportBatch]:
    return scope(ImportBatch.objects.select_related("created_by"), user).defer(
        "file_data", "preview"
    )


def batch_get(*, user, pk: int) -> ImportBatch:
    return get_object_or_404_for(user, ImportBatch.objects.select_related("created_by"), pk=pk)
