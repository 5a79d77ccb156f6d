"""Navigation shown in base.html. An entry appears once its URL exists, so sections still being
built never show a dead link, and only when its view lets the user in: the view's own check
(`core.permissions.requires`), not a second list of rules here.

The header holds one line at 1366 px with the search box: the daily pages stand in the bar, the
rarer ones (MORE) under 更多."""

from django.http import HttpRequest
from django.urls import NoReverseMatch, resolve, reverse
from django.utils.translation import gettext_lazy as _

from core.permissions import may_open

MORE = True
NAV_ITEMS = [
    ("home", _("My work"), False),
    ("projects:list", _("Projects"), False),
    ("enterprises:list", _("Enterprises"), False),
    ("enterprises:park_list", _("Parks"), MORE),
    ("events:list", _("Events"), False),
    ("chains:list", _("Industry chains"), MORE),
    ("dashboards:city", _("Dashboards"), False),
    ("scoring:scores", _("Assessment"), False),
    ("lights:supervision_list", _("Supervision"), False),
    ("notifications:calendar", _("Calendar"), MORE),
    ("imports:index", _("Imports"), False),
]


def navigation(request: HttpRequest) -> dict:
    items, more = [], []
    user = getattr(request, "user", None)
    for name, label, in_more in NAV_ITEMS:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        if user is not None and user.is_authenticated and not may_open(user, resolve(url).func):
            continue
        active = url == "/" and request.path == "/" or url != "/" and request.path.startswith(url)
        (more if in_more else items).append({"url": url, "label": label, "active": active})
    return {"nav_items": items, "nav_more": more, "nav_more_active": any(i["active"] for i in more)}
