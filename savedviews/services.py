"""Every write of saved views: create, change sharing or name, delete, set a person's default."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import DefaultView, ListName, SavedView, Sharing

# Parameters that are not filters: where one is on the page, the export format, the view itself.
NOT_SAVED = frozenset({"page", "cursor", "format", "view", "csrfmiddlewaretoken"})


def clean_query(query: str) -> str:
    """The query string a view keeps: its filters and sort, blanks and paging dropped, sorted so
    the same filters always read the same."""
    pairs = [
        (key, value.strip())
        for key, value in parse_qsl(query or "", keep_blank_values=True)
        if key not in NOT_SAVED and value.strip()
    ]
    return urlencode(sorted(pairs))


def _check_owner(view: SavedView, by) -> None:
    if view.owner_id != by.pk:
        raise PermissionDenied(_("Only the person who saved this view may change it."))


def _sharing_region(*, by, sharing: str):
    if sharing == Sharing.REGION:
        if by.region_id is None:
            raise ValidationError(
                {"sharing": _("You belong to no region: share it with the whole city instead.")}
            )
        return by.region
    return None


@transaction.atomic
def saved_view_create(
    *,
    by,
    list_name: str,
    name: str,
    query: str,
    sharing: str = Sharing.PRIVATE,
    make_default: bool = False,
) -> SavedView:
    """Save a list's current filters and sort under `name` for `by`."""
    name = (name or "").strip()
    if SavedView.objects.filter(owner=by, list_name=list_name, name=name).exists():
        raise ValidationError({"name": _("You already have a view of this list with that name.")})
    view = SavedView(
        owner=by,
        list_name=list_name,
        name=name,
        query=clean_query(query),
        sharing=sharing,
        region=_sharing_region(by=by, sharing=sharing),
    )
    view.full_clean()
    view.save()
    if make_default:
        default_view_set(user=by, list_name=list_name, view=view)
    return view


@transaction.atomic
def saved_view_update(*, view: SavedView, by, name: str, sharing: str) -> SavedView:
    """Rename a view or change whom it is shared with (its owner only)."""
    _check_owner(view, by)
    name = (name or "").strip()
    clash = SavedView.objects.filter(owner=by, list_name=view.list_name, name=name)
    if clash.exclude(pk=view.pk).exists():
        raise ValidationError({"name": _("You already have a view of this list with that name.")})
    view.name = name
    view.sharing = sharing
    view.region = _sharing_region(by=by, sharing=sharing)
    view.full_clean()
    view.save()
    # Colleagues who made it their default and can no longer see it lose it as their default.
    from .selectors import visible_views

    for default in DefaultView.objects.filter(view=view).exclude(user=by).select_related("user"):
        if not visible_views(user=default.user, list_name=view.list_name).filter(pk=view.pk):
            default.delete()
    return view


@transaction.atomic
def saved_view_delete(*, view: SavedView, by) -> None:
    """Delete a view (its owner only); it stops being anyone's default."""
    _check_owner(view, by)
    view.delete()


@transaction.atomic
def default_view_set(*, user, list_name: str, view: SavedView | None) -> None:
    """Make `view` the list `user` opens with (None: the list's plain default order)."""
    if list_name not in ListName.values:
        raise ValidationError(_("Unknown list."))
    if view is None:
        DefaultView.objects.filter(user=user, list_name=list_name).delete()
        return
    if view.list_name != list_name:
        raise ValidationError(_("This view belongs to another list."))
    DefaultView.objects.update_or_create(user=user, list_name=list_name, defaults={"view": view})
