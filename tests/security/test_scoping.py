"""accounts.scoping: who sees and writes which rows, by role and region."""

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404

from accounts import scoping
from core.models import Region
from enterprises.models import Enterprise
from projects.models import Project
from projects.selectors import get_project_or_404
from tests.security.conftest import MARKERS

pytestmark = pytest.mark.django_db

EXPECTED_PROJECTS = {
    "admin": set(MARKERS),
    "city_staff": set(MARKERS),
    "leader": set(MARKERS),
    "yuci_staff": {"yuci_open", "yuci_secret"},
    "yuci_official": {"yuci_open", "yuci_secret"},
    "taigu_staff": {"taigu_open", "taigu_secret"},
    "api_reader": {"yuci_open", "taigu_open"},
}


@pytest.mark.parametrize("username", sorted(EXPECTED_PROJECTS))
def test_each_role_sees_exactly_its_projects(username, demo_users, county_objects):
    seen = set(scoping.scope_projects(Project.objects.all(), demo_users[username]))
    expected = {county_objects["project"][v] for v in EXPECTED_PROJECTS[username]}
    assert seen == expected


@pytest.mark.parametrize("username", sorted(EXPECTED_PROJECTS))
def test_reach_is_the_rule_scope_applies(username, demo_users, county_objects):
    """Readers of precomputed rows (the dashboards' rollup cells and 督办 items) apply `reach` to
    their own region and confidential columns: it picks the same projects as `scope`."""
    seen = scoping.reach(demo_users[username])
    picked = {
        p
        for p in county_objects["project"].values()
        if (seen.region_id in (None, p.region_id)) and not (seen.public_only and p.is_confidential)
    }
    assert picked == {county_objects["project"][v] for v in EXPECTED_PROJECTS[username]}


def test_county_user_gets_404_for_other_county_project(demo_users, county_objects):
    other = county_objects["project"]["taigu_open"]
    with pytest.raises(Http404):
        get_project_or_404(demo_users["yuci_official"], other.pk)


def test_county_user_opens_own_confidential_project(demo_users, county_objects):
    own = county_objects["project"]["yuci_secret"]
    assert get_project_or_404(demo_users["yuci_official"], own.pk) == own


def test_city_wide_api_client_does_not_see_confidential_projects(demo_users, county_objects):
    with pytest.raises(Http404):
        get_project_or_404(demo_users["api_reader"], county_objects["project"]["yuci_secret"].pk)


def test_garbage_id_is_404_not_500(demo_users):
    with pytest.raises(Http404):
        get_project_or_404(demo_users["admin"], "abc")


def test_anonymous_and_inactive_users_see_nothing(demo_users, county_objects):
    from django.contrib.auth.models import AnonymousUser

    assert not scoping.scope_projects(Project.objects.all(), AnonymousUser()).exists()
    assert scoping.reach(AnonymousUser()) is None
    leader = demo_users["leader"]
    leader.is_active = False
    assert not scoping.scope_projects(Project.objects.all(), leader).exists()


def test_enterprises_are_read_by_all_and_written_by_their_region(demo_users, county_objects):
    yuci_staff = demo_users["yuci_staff"]
    everything = set(Enterprise.objects.all())
    assert set(scoping.scope_enterprises(Enterprise.objects.all(), yuci_staff)) == everything
    assert set(scoping.scope_enterprises(Enterprise.objects.all(), demo_users["api_reader"])) == (
        everything
    )
    scoping.check_can_edit(yuci_staff, county_objects["enterprise"]["yuci_open"])
    scoping.check_can_edit(yuci_staff, county_objects["investor"])  # outside investor
    with pytest.raises(PermissionDenied):
        scoping.check_can_edit(yuci_staff, county_objects["enterprise"]["taigu_open"])
    with pytest.raises(PermissionDenied):
        scoping.check_can_edit(demo_users["yuci_official"], county_objects["investor"])


@pytest.mark.parametrize(
    ("username", "region_code", "allowed"),
    [
        ("admin", "140703", True),
        ("city_staff", "140703", True),
        ("yuci_staff", "140702", True),
        ("yuci_staff", "140703", False),
        ("yuci_official", "140702", False),  # read-only role
        ("leader", "140702", False),  # read-only role
        ("api_reader", "140702", False),  # read-only unless granted
    ],
)
def test_who_may_write_which_region(username, region_code, allowed, demo_users):
    region = Region.objects.get(code=region_code)
    if allowed:
        scoping.check_can_edit_region(demo_users[username], region)
    else:
        with pytest.raises(PermissionDenied):
            scoping.check_can_edit_region(demo_users[username], region)


def test_api_client_may_write_once_granted(demo_users):
    from django.contrib.auth.models import Permission

    from accounts.models import User

    client = demo_users["api_reader"]
    client.user_permissions.add(Permission.objects.get(codename="api_write"))
    client = User.objects.get(pk=client.pk)  # fresh permission cache
    scoping.check_can_edit_region(client, Region.objects.get(code="140702"))


def test_county_staff_may_not_edit_other_county_project(demo_users, county_objects):
    with pytest.raises(PermissionDenied):
        scoping.check_can_edit(demo_users["yuci_staff"], county_objects["project"]["taigu_open"])
    scoping.check_can_edit(demo_users["yuci_staff"], county_objects["project"]["yuci_secret"])


def test_service_refuses_county_official_write(demo_users, county_objects):
    from projects.services import project_update

    with pytest.raises(PermissionDenied):
        project_update(
            project=county_objects["project"]["yuci_open"],
            by=demo_users["yuci_official"],
            notes="x",
        )


def test_model_without_rule_cannot_be_scoped(demo_users):
    from django_celery_beat.models import PeriodicTask

    with pytest.raises(ImproperlyConfigured, match="no scope rule"):
        scoping.scope(PeriodicTask.objects.all(), demo_users["admin"])


def test_every_model_with_history_has_a_scope_rule():
    """A tracked business record must say who may see it (the history search and attachments
    depend on it)."""
    from core.history import history_models

    missing = [label for label in history_models() if label not in scoping.SCOPE_RULES]
    assert not missing, f"add scope rules to accounts.scoping.SCOPE_RULES for: {missing}"
