"""Roles as Django permissions (accounts.permissions) and the admin scoped for county users."""

import pytest
from django.test import Client
from django.utils import translation

from accounts.models import Role, User
from core.models import Region
from projects.models import Project

pytestmark = pytest.mark.django_db


def test_demo_users_have_their_roles_and_regions(demo_users):
    expected = {
        "admin": (Role.CITY_ADMIN, None, True),
        "city_staff": (Role.CITY_STAFF, None, True),
        "yuci_staff": (Role.COUNTY_STAFF, "140702", False),
        "taigu_staff": (Role.COUNTY_STAFF, "140703", False),
        "yuci_official": (Role.COUNTY_OFFICIAL, "140702", False),
        "leader": (Role.CITY_LEADER, None, False),
        "api_reader": (Role.API_CLIENT, None, False),
    }
    for username, (role, region, staff) in expected.items():
        user = demo_users[username]
        assert (user.role, user.region.code if user.region else None, user.is_staff) == (
            role,
            region,
            staff,
        ), username
        user.full_clean()  # role and region agree


def test_county_role_without_region_is_invalid(reference_data):
    from django.core.exceptions import ValidationError

    user = User(username="x", role=Role.COUNTY_STAFF)
    user.set_unusable_password()
    with pytest.raises(ValidationError, match="region"):
        user.full_clean()


@pytest.mark.parametrize(
    ("username", "perm", "granted"),
    [
        ("city_staff", "projects.change_project", True),
        ("city_staff", "projects.delete_project", False),
        ("city_staff", "accounts.change_user", False),
        ("yuci_staff", "projects.change_project", True),
        ("yuci_staff", "core.change_region", False),
        ("yuci_official", "projects.view_project", True),
        ("yuci_official", "projects.change_project", False),
        ("leader", "projects.change_project", False),
        ("api_reader", "projects.view_project", True),
        ("api_reader", "accounts.api_write", False),
    ],
)
def test_role_grants_model_permissions(username, perm, granted, demo_users):
    assert demo_users[username].has_perm(perm) is granted


def test_admin_lists_only_own_region_for_a_county_staff_member(demo_users, county_objects):
    """A county user given admin access sees and opens only their region's rows there too."""
    from django.contrib import admin

    from accounts.admin_mixins import ScopedAdminMixin

    class ProjectAdmin(ScopedAdminMixin, admin.ModelAdmin):
        pass

    model_admin = ProjectAdmin(Project, admin.site)
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/projects/project/")
    request.user = demo_users["yuci_staff"]
    names = set(model_admin.get_queryset(request).values_list("name", flat=True))
    assert names == {"MXYUCIOPEN项目", "MXYUCISECRET项目"}
    taigu = county_objects["project"]["taigu_open"]
    yuci = county_objects["project"]["yuci_open"]
    assert not model_admin.has_change_permission(request, taigu)
    assert model_admin.has_change_permission(request, yuci)
    field = model_admin.formfield_for_foreignkey(Project._meta.get_field("region"), request)
    assert list(field.queryset) == [Region.objects.get(code="140702")]


def test_user_admin_shows_role_and_region(demo_users):
    client = Client()
    client.force_login(demo_users["admin"])
    body = client.get("/admin/accounts/user/").content.decode()
    with translation.override("zh-hans"):
        label = str(Role.COUNTY_STAFF.label)
    assert "榆次区" in body and label in body


def test_change_of_role_is_in_the_user_history(demo_users):
    user = demo_users["yuci_staff"]
    user.role = Role.COUNTY_OFFICIAL
    user.save()
    record = user.history.first()
    assert record.role == Role.COUNTY_OFFICIAL
    assert record.prev_record.role == Role.COUNTY_STAFF
    assert not hasattr(record, "password")


def test_logging_in_adds_no_history_row_but_stamps_last_login(demo_users):
    user = demo_users["leader"]
    before = user.history.count()
    response = Client().post(
        "/accounts/login/", {"username": "leader", "password": "demo12345"}, REMOTE_ADDR="10.1.1.1"
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.last_login is not None
    assert user.history.count() == before
