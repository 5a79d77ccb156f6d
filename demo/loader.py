"""Idempotent loading of reference and demo data. Each step upserts by a natural key, so running
the loader again changes nothing."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import Role
from accounts.services import user_save
from core.models import ChainLink, IndustryChain, PromotionMethod, Region

from . import reference

DEMO_USERS = [
    # (username, role, region code or None, display name)
    ("admin", Role.CITY_ADMIN, None, "系统管理员"),
    ("city_staff", Role.CITY_STAFF, None, "市招商中心"),
    ("yuci_staff", Role.COUNTY_STAFF, "140702", "榆次区招商"),
    ("taigu_staff", Role.COUNTY_STAFF, "140703", "太谷区招商"),
    ("yuci_official", Role.COUNTY_OFFICIAL, "140702", "榆次区领导"),
    ("leader", Role.CITY_LEADER, None, "市领导"),
    ("api_reader", Role.API_CLIENT, None, "数据接口"),
]


@transaction.atomic
def load_reference() -> None:
    city = None
    for code, name, kind, order in reference.REGIONS:
        region, _ = Region.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "sort_order": order}
        )
        if kind == "city":
            city = region
    Region.objects.exclude(kind="city").update(parent=city)

    for order, (code, (name, links)) in enumerate(reference.CHAINS.items()):
        chain, _ = IndustryChain.objects.update_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )
        by_name: dict[str, ChainLink] = {}
        for link_order, (link_name, position, parent_name) in enumerate(links):
            link, _ = ChainLink.objects.update_or_create(
                chain=chain,
                name=link_name,
                defaults={
                    "position": position,
                    "sort_order": link_order,
                    "parent": by_name.get(parent_name) if parent_name else None,
                },
            )
            by_name[link_name] = link

    for order, (code, name) in enumerate(reference.PROMOTION_METHODS):
        PromotionMethod.objects.update_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )
    # The default stage deadline (its data migration's row is gone after a flush).
    from lights.services import ensure_default_rules

    ensure_default_rules()


@transaction.atomic
def load_demo_users(password: str | None = None) -> list[str]:
    """Create the demo users with their roles; an existing user keeps its password."""
    User = get_user_model()
    password = password or settings.DEMO_PASSWORD
    created = []
    # One hash for all demo users: the password hashers are slow on purpose (about 0.4 s each).
    hashed = None
    for username, role, region_code, display in DEMO_USERS:
        region = Region.objects.get(code=region_code) if region_code else None
        user, was_created = User.objects.update_or_create(
            username=username,
            defaults={
                "role": role,
                "region": region,
                "first_name": display,
                "is_staff": role in (Role.CITY_ADMIN, Role.CITY_STAFF),
                "is_superuser": role == Role.CITY_ADMIN,
            },
        )
        if was_created:
            hashed = hashed or make_password(password)
            user.password = hashed
            created.append(username)
        # The service derives the name's pinyin and initials (global search).
        user_save(user=user)
    return created
