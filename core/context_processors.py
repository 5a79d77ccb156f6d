"""Navigation shown in base.html. An entry appears once its URL exists, so sections still being
built never show a dead link."""

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

NAV_ITEMS = [
    ("home", _("My work")),
    ("projects:list", _("Projects")),
    ("enterprises:list", _("Enterprises")),
    ("enterprises:park_list", _("Parks")),
    ("events:list", _("Events")),
    ("chains:list", _("Industry chains")),
    ("dashboards:city", _("Dashboards")),
    ("imports:index", _("Imports")),
]


def navigation(request: HttpRequest) -> dict:
    items = []
    for name, label in NAV_ITEMS:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        active = url == "/" and request.path == "/" or url != "/" and request.path.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    return {"nav_items": items}
