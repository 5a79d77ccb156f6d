"""What a list page needs from saved views: which parameters it filters with, its tabs, the view
that is open, and a notice when a view's filters no longer hold.

A list page calls `list_state(request, list_name=…, check=…)` before its selector and filters with
`state.params`. `check(params)` builds the list's own FilterSet (unbound to any rows) so that a
saved view whose filters no longer validate (a deleted chain's code, say) opens with the invalid
conditions dropped and named, not with an error page or a silently empty list.

Parameters:
- `?view=<id>`: open that view (its filters, then whatever else the URL says, e.g. a sort header
  or a page clicked while it is open);
- `?view=0`: the plain list, even when the person has a default view;
- no parameters at all: the person's default view for the list, if they have one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import QueryDict
from django.utils.translation import gettext as _

from .forms import sharing_choices
from .models import SavedView
from .selectors import visible_views
from .services import clean_query


@dataclass
class ListState:
    list_name: str
    params: QueryDict
    views: list[SavedView] = field(default_factory=list)
    active: SavedView | None = None
    default_id: int | None = None
    notice: str = ""
    # The filters and sort in force, as a view would save them.
    query: str = ""
    # Whom the person may share a view with: the save form's and the edit form's options
    # (templates/includes/saved_view_save_form.html writes those forms by hand, no widgets; the
    # POST is validated by savedviews.forms).
    sharing_choices: list[tuple[str, str]] = field(default_factory=list)
    redirect: str = ""


def view_params(view: SavedView, overrides: QueryDict | None = None) -> QueryDict:
    """The view's parameters, with those the request names besides `view` laid over them."""
    params = QueryDict(view.query, mutable=True)
    for key in overrides or ():
        if key != "view":
            params.setlist(key, overrides.getlist(key))
    return params


def invalid_fields(filterset) -> dict[str, str]:
    """{parameter: "label: message"} for the parameters a bound FilterSet's form rejects."""
    form = filterset.form
    if form.is_valid():
        return {}
    labels = {name: str(f.label or name) for name, f in form.fields.items()}
    return {
        name: f"{labels.get(name, name)}:{' '.join(str(m) for m in errors)}"
        for name, errors in form.errors.items()
    }


def list_state(request, *, list_name: str, check: Callable[[QueryDict], object]) -> ListState:
    user = request.user
    views = list(visible_views(user=user, list_name=list_name))
    by_id = {v.pk: v for v in views}
    default_id = next((v.pk for v in views if v.is_my_default), None)
    state = ListState(list_name=list_name, params=request.GET.copy(), views=views)
    state.default_id = default_id

    asked = request.GET.get("view")
    if asked is None and not request.GET and default_id is not None:
        # Opened plain: go to the default view's own address, so that its sort headers, pages and
        # exports (links built from the URL) stay inside it.
        state.redirect = f"{request.path}?view={default_id}"
        return state
    if asked is not None:
        state.params.pop("view", None)
        if asked.strip() not in ("", "0"):
            try:
                state.active = by_id.get(int(asked))
            except ValueError:
                state.active = None
            if state.active is None:
                state.notice = _(
                    "That saved view does not exist or is not shared with you: "
                    "the list is shown without it."
                )
    if state.active is not None:
        state.params = view_params(state.active, request.GET)
        bad = invalid_fields(check(state.params))
        if bad:
            for name in bad:
                state.params.pop(name, None)
            state.notice = _(
                "Some conditions of the saved view “%(name)s” are no longer valid (the record "
                "they named may have been deleted) and were left out: %(fields)s. Save the view "
                "again to keep the rest."
            ) % {"name": state.active.name, "fields": ";".join(bad.values())}
    state.query = clean_query(state.params.urlencode())
    state.sharing_choices = sharing_choices(user)
    return state
