"""Who may open a page, said once on the view and read by the site menu.

`@requires(check, message)` makes a view answer 403 (with `message`) unless `check(user)` is
true, and keeps the check on the view as `allows`; the menu (core.context_processors) resolves
each of its links to its view and shows the link only when the view would let the user in. So a
page's rule lives in one place, and the menu never offers a page that answers 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied

Check = Callable[[object], bool]


def requires(check: Check, message) -> Callable:
    """Refuse the view (PermissionDenied with `message`) to users for whom `check` is false."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        wrapper.allows = check
        return wrapper

    return decorator


def may_open(user, view) -> bool:
    """Would `view` (a URL's resolved function) let this signed-in user in?"""
    check = getattr(view, "allows", None)
    return check is None or bool(check(user))
