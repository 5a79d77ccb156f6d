"""Reads of saved views: which a person may see (their own, their region's, the city's)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from .models import DefaultView, SavedView, Sharing


def visible_views(*, user, list_name: str) -> QuerySet[SavedView]:
    """The views of `list_name` that `user` may open: their own, those shared with the whole city,
    and those shared with the user's region."""
    if not (user and user.is_authenticated):
        return SavedView.objects.none()
    shown = Q(owner=user) | Q(sharing=Sharing.CITY)
    if user.region_id is not None:
        shown |= Q(sharing=Sharing.REGION, region_id=user.region_id)
    # `is_my_default` in the same query: the tabs mark the default without a second read.
    mine = DefaultView.objects.filter(user=user, list_name=list_name, view=OuterRef("pk"))
    return (
        SavedView.objects.filter(shown, list_name=list_name)
        .select_related("owner")
        .annotate(is_my_default=Exists(mine))
        .order_by("name", "id")
    )


def saved_view_get(*, user, list_name: str, pk) -> SavedView:
    """One view `user` may open, else Http404 (another person's private view is not found)."""
    try:
        return visible_views(user=user, list_name=list_name).get(pk=int(pk))
    except (SavedView.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def owned_view_get(*, user, pk) -> SavedView:
    """A view `user` may see on any list, for its manage / delete pages."""
    try:
        view = SavedView.objects.select_related("owner").get(pk=int(pk))
    except (SavedView.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not visible_views(user=user, list_name=view.list_name).filter(pk=view.pk).exists():
        raise Http404
    return view
