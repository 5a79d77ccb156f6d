"""The site menu offers each role only what it may open."""

import re

import pytest

pytestmark = pytest.mark.django_db

DEMO_ROLES = ["admin", "city_staff", "yuci_staff", "yuci_official", "leader", "api_reader"]
NAV = re.compile(r'<ul class="navbar-nav">(.*?)</ul>', re.S)
# The bar's links and those under 更多 (core.context_processors.MORE).
LINK = re.compile(r'<a class="(?:nav-link|dropdown-item(?: active)?)" href="([^"]+)"')


def _menu_links(html: str) -> list[str]:
    menu = NAV.search(html)
    assert menu, "no site menu on the page"
    return LINK.findall(menu.group(1))


@pytest.mark.parametrize("username", DEMO_ROLES)
def test_every_menu_link_opens_for_the_role_that_sees_it(client, demo_data, username):
    from accounts.models import User

    client.force_login(User.objects.get(username=username))
    home = client.get("/", follow=True)
    assert home.status_code == 200
    links = _menu_links(home.content.decode())
    assert links
    answers = {url: client.get(url, follow=True).status_code for url in links}
    assert answers == dict.fromkeys(links, 200)


def test_import_is_in_the_menu_of_those_who_may_import_only(client, demo_data):
    from accounts.models import User

    for username, offered in [("city_staff", True), ("yuci_staff", True), ("leader", False)]:
        client.force_login(User.objects.get(username=username))
        links = _menu_links(client.get("/", follow=True).content.decode())
        assert ("/imports/" in links) is offered, username
