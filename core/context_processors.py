"""Navigation shown in base.html. An entry appears once its URL exists, so sections still being
built never show a dead link, and only when its view lets the user in: the view's own check
(`core.permissions.requires`), not a second list of rules here."""

from django.http import HttpRequest
from django.urls import NoReverseMatch, resolve, reverse
from django.utils.translation import gettext_lazy as _

from core.permissions import may_open

NAV_ITEMS = [
    ("home", _("My work")),
    ("projects:list", _("Projects")),
    ("enterprises:list", _("Enterprises")),
    ("enterprises:park_list", _("Parks")),
    ("events:list", _("Events")),
    ("chains:list", _("Industry chains")),
    ("dashboards:city", _("Dashboards")),
    ("scoring:scores", _("Assessment")),
    ("lights:supervision_list", _("Supervision")),
    ("notifications:calendar", _("Calendar")),
    ("imports:index", _("Imports")),
]


def navigation(request: HttpRequest) -> dict:
    items = []
    user = getattr(request, "user", None)
    for name, label in NAV_ITEMS:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        if user is not None and user.is_authenticated and not may_open(user, resolve(url).func):
            continue
        active = url == "/" and request.path == "/" or url != "/" and request.path.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    return {"nav_items": items}
