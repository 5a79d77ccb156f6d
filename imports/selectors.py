"""Reads of import batches: a user sees the batches they uploaded; city administrators see all."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Role

from .models import ImportBatch


def batch_queryset(*, user) -> QuerySet[ImportBatch]:
    qs = ImportBatch.objects.select_related("created_by").defer("file_data", "preview")
    if user.is_superuser or user.role == Role.CITY_ADMIN:
        return qs
    return qs.filter(created_by=user)


def batch_get(*, user, pk: int) -> ImportBatch:
    try:
        return batch_queryset(user=user).defer(None).get(pk=pk)
    except ImportBatch.DoesNotExist:
        raise Http404 from None
