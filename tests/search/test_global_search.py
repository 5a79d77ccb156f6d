"""Global search (search.selectors.global_search, /search/ and its header dropdown): what it finds
and by which fields, in what order, what it never shows a county user, and how it answers junk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from demo.events_demo import load_event_kinds
from enterprises.services import contact_add
from search.selectors import MAX_QUERY_LENGTH, global_search
from tests.factories import make_enterprise, make_project

pytestmark = pytest.mark.django_db

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _credit_code(first17: str) -> str:
    """GB 32100-2015 written out here (weights 3^i mod 31), not taken from the code under test."""
    total = sum(_ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return first17 + _ALPHABET[(31 - total % 31) % 31]


GEELY_CODE = _credit_code("91140700MA0GEELY1")
SECRET_CODE = _credit_code("91310000MA1QTDL02")
SECRET_MOBILE = "13912345678"
SECRET_NAME = "太谷氢能重卡保密项目"


@pytest.fixture
def world(demo_users):
    geely = make_enterprise("吉利汽车晋中基地", credit_code=GEELY_CODE)
    contact_add(enterprise=geely, name="张立新", phone="138 0013 8000")
    hydrogen = make_enterprise("上海氢途动力科技有限公司", credit_code=SECRET_CODE)
    contact_add(enterprise=hydrogen, name="李保密", phone=SECRET_MOBILE)
    return {
        "users": demo_users,
        "geely_project": make_project(
            name="吉利新能源整车项目", region_code="JZKFQ", investor=geely
        ),
        "secret": make_project(
            name=SECRET_NAME, region_code="140703", investor=hydrogen, is_confidential=True
        ),
        "yuci": make_project(name="榆次吉利配套项目", region_code="140702"),
    }


def _titles(result, kind: str) -> list[str]:
    return [hit.title for hit in next(g for g in result.groups if g.kind == kind).hits]


@pytest.mark.parametrize(
    "query",
    ["吉利", "吉利汽车", "jili", "JLQC", "jlqc", GEELY_CODE[:8], GEELY_CODE, "13800138000", "8000"],
)
def test_city_staff_finds_the_project_and_its_investor_by_every_field(world, query):
    result = global_search(user=world["users"]["city_staff"], q=query)
    assert "吉利新能源整车项目" in _titles(result, "projects"), query
    assert "吉利汽车晋中基地" in _titles(result, "enterprises"), query


def test_a_project_is_found_by_its_own_names_pinyin_and_initials(world):
    from projects.services import project_update

    user = world["users"]["city_staff"]
    for query in ("ycjlpt", "yucijilipeitao", "YuCi JiLi"):
        assert _titles(global_search(user=user, q=query), "projects") == ["榆次吉利配套项目"], query
    # A new name gets its own keys (the service derives them on every write).
    project_update(project=world["yuci"], by=None, name="榆次氢能配套项目")
    assert _titles(global_search(user=user, q="ycqn"), "projects") == ["榆次氢能配套项目"]
    assert _titles(global_search(user=user, q="ycjlpt"), "projects") == []


def test_an_event_is_found_by_its_titles_pinyin_and_initials(world):
    from core.models import Region
    from events.models import EventKind
    from events.services import event_create, event_update

    load_event_kinds()
    event = event_create(
        by=None,
        kind=EventKind.objects.get(code="conference"),
        title="晋中新能源推介会",
        start_on=dt.date(2023, 3, 1),
        place_city="太原市",
        organisers=[Region.objects.get(code="140700")],
    )
    user = world["users"]["city_staff"]
    for query in ("xnytjh", "tuijiehui", "JZ"):
        assert _titles(global_search(user=user, q=query), "events") == ["晋中新能源推介会"], query
    event_update(event=event, by=None, title="榆次招商洽谈会")
    assert _titles(global_search(user=user, q="zsqth"), "events") == ["榆次招商洽谈会"]
    assert _titles(global_search(user=user, q="xnytjh"), "events") == []


def test_people_events_and_parks_are_found(world):
    user = world["users"]["city_staff"]
    assert "张立新" in _titles(global_search(user=user, q="张立"), "people")
    assert "张立新" in _titles(global_search(user=user, q="13800138000"), "people")
    # Users: city roles find colleagues by name or username.
    assert any("榆次" in t for t in _titles(global_search(user=user, q="yuci_staff"), "people"))


def test_best_matches_come_first(world):
    make_project(name="新吉利新能源项目", region_code="JZKFQ")
    make_project(name="吉利新", region_code="JZKFQ")
    titles = _titles(
        global_search(user=world["users"]["city_staff"], q="吉利新", limit=10), "projects"
    )
    assert titles[0] == "吉利新"  # the exact name
    assert titles.index("吉利新能源整车项目") < titles.index(
        "新吉利新能源项目"
    )  # start of a name first


def test_a_short_query_matches_only_the_start_of_names_pinyin_and_initials(world, client):
    """One or two characters hold no trigram: they match starts only (the B-tree prefix indexes
    of search.0004), and the answer says so; from three characters, anywhere."""
    make_project(name="新吉利能源项目", region_code="JZKFQ")
    user = world["users"]["city_staff"]
    for query in ("吉利", "吉", "jl", "JL", "ji"):
        result = global_search(user=user, q=query, limit=30)
        titles = _titles(result, "projects")
        assert "吉利新能源整车项目" in titles, query
        assert "新吉利能源项目" not in titles and "榆次吉利配套项目" not in titles, query
        assert "开头" in result.notice, query
    # "jl" is also inside 榆次吉利配套项目's initials (ycjlptxm): three letters find it there.
    assert "榆次吉利配套项目" in _titles(global_search(user=user, q="jlp", limit=30), "projects")
    three = global_search(user=user, q="吉利能", limit=30)
    assert _titles(three, "projects") == ["新吉利能源项目"] and three.notice == ""
    client.force_login(user)
    body = client.get(reverse("search:suggest"), {"q": "jl"}).content.decode()
    assert "只匹配名称、拼音或首字母的开头" in body


def test_parks_and_contacts_are_found_by_pinyin_and_initials(world):
    from core.models import Region
    from enterprises.models import IndustrialPark
    from enterprises.services import contact_update, park_save

    park = park_save(
        park=IndustrialPark(name="吉利汽车产业园", region=Region.objects.get(code="140702")),
        by=world["users"]["yuci_staff"],
    )
    user = world["users"]["city_staff"]
    for query in ("jlqccyy", "jlqc", "qichechanye", "JL"):
        assert _titles(global_search(user=user, q=query), "parks") == ["吉利汽车产业园"], query
    for query in ("zlx", "zhanglixin", "ZL"):
        assert "张立新" in _titles(global_search(user=user, q=query), "people"), query
    # A new name gets its own keys (the services derive them on every write).
    park.name = "榆次氢能产业园"
    park_save(park=park, by=user)
    assert _titles(global_search(user=user, q="ycqn"), "parks") == ["榆次氢能产业园"]
    assert _titles(global_search(user=user, q="jlqccyy"), "parks") == []
    contact = world["geely_project"].investor.contacts.get(name="张立新")
    contact_update(contact=contact, name="王海燕", phone=contact.phone)
    assert _titles(global_search(user=user, q="whdaa"), "people") == []
    assert _titles(global_search(user=user, q="why"), "people") == ["王海燕"]
    assert _titles(global_search(user=user, q="zlx"), "people") == []


def test_users_are_found_by_their_names_pinyin_and_initials(world, client):
    """People holds users as well as contacts: by full name (last name, then first), its pinyin
    and initials (accounts.services.user_save derives them on every write: the admin and the demo
    data come there); city roles see every user, anyone else only themselves."""
    from accounts.models import Role, User
    from accounts.services import user_save

    colleague = User(username="zhao_hy", last_name="赵", first_name="海燕", role=Role.CITY_STAFF)
    colleague.set_unusable_password()
    user_save(user=colleague)
    city = world["users"]["city_staff"]
    for query in ("zhy", "ZHY", "zhaohaiyan", "Zhao Haiyan", "赵海燕", "海燕", "zh", "赵"):
        assert "赵海燕" in _titles(global_search(user=city, q=query), "people"), query
    # The demo users' names have theirs too (demo.loader goes through the service).
    yuci = world["users"]["yuci_staff"]
    assert _titles(global_search(user=yuci, q="ycqzs"), "people") == ["榆次区招商"]
    # A county user finds no colleague, by any of these.
    for query in ("zhy", "zhaohaiyan", "赵海燕"):
        assert _titles(global_search(user=yuci, q=query), "people") == [], query
    # A new name in the admin gets its own keys.
    client.force_login(world["users"]["admin"])
    page = client.get(reverse("admin:accounts_user_change", args=[colleague.pk]))
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, (list, dict))
    }
    data.update(
        {
            "last_name": "钱",
            "first_name": "立群",
            "date_joined_0": colleague.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": colleague.date_joined.strftime("%H:%M:%S"),
            "is_active": "on",
            "is_staff": "",
            "region": "",
            "last_login_0": "",
            "last_login_1": "",
        }
    )
    data = {k: v for k, v in data.items() if v not in (False, "")}
    response = client.post(reverse("admin:accounts_user_change", args=[colleague.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    colleague.refresh_from_db()
    assert (colleague.name_pinyin, colleague.name_initials) == ("qianliqun", "qlq")
    assert _titles(global_search(user=city, q="qlq"), "people") == ["钱立群"]
    assert _titles(global_search(user=city, q="zhy"), "people") == []


def test_the_migration_fills_the_users_name_keys(world):
    import importlib

    from django.apps import apps

    from accounts.models import User

    user = User.objects.create_user(username="sun_li", last_name="孙", first_name="立")
    assert (user.name_pinyin, user.name_initials) == ("", "")  # written past the service
    importlib.import_module("accounts.migrations.0004_user_name_pinyin")._fill(apps, None)
    user.refresh_from_db()
    assert (user.name_pinyin, user.name_initials) == ("sunli", "sl")


def test_the_park_admin_derives_the_pinyin(world, client):
    from core.models import Region
    from enterprises.models import IndustrialPark

    client.force_login(world["users"]["admin"])
    response = client.post(
        reverse("admin:enterprises_industrialpark_add"),
        {"name": "太谷玻璃器皿园", "kind": "park", "region": Region.objects.get(code="140703").pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    park = IndustrialPark.objects.get(name="太谷玻璃器皿园")
    assert (park.name_pinyin, park.name_initials) == ("taiguboliqiminyuan", "tgblqmy")


SECRET_FIELDS = [
    SECRET_NAME,
    "氢能重卡",  # part of its name
    "上海氢途",  # its investor
    "shanghaiqingtu",  # the investor's pinyin
    "shqtdl",  # … and initials
    SECRET_CODE,
    SECRET_CODE[:10],
    SECRET_MOBILE,
    SECRET_MOBILE[-6:],
    "lbm",  # its investor's contact 李保密, by initials
    "libaomi",  # … and pinyin
]


@pytest.mark.parametrize("username", ["yuci_staff", "yuci_official", "api_reader"])
def test_another_countys_confidential_project_is_never_found_or_counted(world, username, client):
    """Not in the projects group, not behind its 'more', not on the page, by any of its fields."""
    user = world["users"][username]
    for query in SECRET_FIELDS:
        for limit in (1, 5, 30):
            result = global_search(user=user, q=query, limit=limit)
            projects = next(g for g in result.groups if g.kind == "projects")
            assert SECRET_NAME not in [h.title for h in projects.hits], (username, query)
            assert projects.hits == [] and projects.more is False, (username, query)
        client.force_login(user)
        for name in ("search:results", "search:suggest"):
            body = client.get(reverse(name), {"q": query}).content.decode()
            # The page repeats what was typed; nothing else may name the project.
            assert SECRET_NAME not in body.replace(query, ""), (username, name, query)
            assert f"/projects/{world['secret'].pk}/" not in body, (username, name, query)


def test_the_confidential_projects_own_county_and_the_city_find_it(world):
    for username in ("taigu_staff", "city_staff", "leader"):
        for query in (SECRET_NAME, "shqtdl", SECRET_CODE, SECRET_MOBILE):
            result = global_search(user=world["users"][username], q=query)
            assert SECRET_NAME in _titles(result, "projects"), (username, query)


def test_a_county_user_sees_only_their_countys_projects(world):
    result = global_search(user=world["users"]["yuci_staff"], q="jili", limit=30)
    assert _titles(result, "projects") == ["榆次吉利配套项目"]
    # Enterprises are public facts: the investor is found, its other-county project is not.
    assert "吉利汽车晋中基地" in _titles(result, "enterprises")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("吉" * 1000, f"只按前{MAX_QUERY_LENGTH}个字查找"),
        ("！？。，、…%_'\"--;", "请输入名称的一部分"),
        ("%", "请输入名称的一部分"),
        ("   ", "请输入名称的一部分"),
        ("'; DROP TABLE projects_project; --", "没有找到"),
        ("' OR '1'='1", "没有找到"),
        ("a\x00b\u202e", "没有找到"),
    ],
)
def test_bad_input_is_answered_safely_in_chinese(world, client, query, message):
    client.force_login(world["users"]["yuci_staff"])
    # The dropdown stays closed (answers nothing) while the box holds only spaces.
    names = ("search:results",) if not query.strip() else ("search:results", "search:suggest")
    for name in names:
        response = client.get(reverse(name), {"q": query})
        assert response.status_code == 200, name
        assert message in response.content.decode(), name
    with connection.cursor() as cursor:  # still there
        cursor.execute("SELECT count(*) FROM projects_project")
        assert cursor.fetchone()[0] >= 3


def test_like_wildcards_in_a_query_match_only_themselves(world):
    result = global_search(user=world["users"]["city_staff"], q="吉_%")
    assert not result.found


def test_the_dropdown_is_a_constant_number_of_queries(world, django_assert_num_queries):
    user = world["users"]["city_staff"]
    user.has_perm("accounts.change_user")  # loads the user's permissions once, as any page does
    # PostgreSQL: one UNION ALL statement; SQLite cannot order and limit the parts of a UNION,
    # so one statement per group there (people = contacts + users).
    statements = 1 if connection.vendor == "postgresql" else 6
    for query in ("吉利", "jl", "yuci", "13800138000"):
        with django_assert_num_queries(statements):
            global_search(user=user, q=query)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_trigram_indexes_serve_the_search_filters(world):
    """Each filter's left-hand side is what its GIN index holds (UPPER(col::text) for icontains),
    so PostgreSQL can use it (sequential scans off: the test tables are tiny)."""
    from enterprises.models import Enterprise
    from projects.models import Project

    cases = [
        (Project.all_objects.filter(name__icontains="新能源"), "search_project_name_trgm"),
        (Enterprise.all_objects.filter(name__icontains="汽车晋中"), "search_enterprise_name_trgm"),
        (
            Enterprise.all_objects.filter(name_pinyin__contains="qiche"),
            "search_enterprise_pinyin_trgm",
        ),
        (
            Enterprise.all_objects.filter(credit_code__startswith="9114"),
            "search_enterprise_credit_trgm",
        ),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            for qs, index in cases:
                assert index in qs.explain(), index
        finally:
            cursor.execute("SET enable_seqscan = on")


def _projects_plan(cursor, user, query: str) -> str:
    """PostgreSQL's plan for the projects part of the search's statement."""
    from search.selectors import _projects

    sql, params = _projects(user, query, 6)
    cursor.execute("EXPLAIN " + sql, params)
    return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_project_search_never_reads_the_whole_projects_table(world):
    """The projects group matches by name OR by investor as a UNION of ids, each part through
    its own index (the name's trigram index, the investor foreign key): written as one OR, the
    planner reads every project (sequential scans off here: the test tables are tiny)."""
    user = world["users"]["city_staff"]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            for query in ("新能源", "jlqc", GEELY_CODE[:10], "13800138000"):
                plan = _projects_plan(cursor, user, query)
                assert "search_project_name_trgm" in plan, (query, plan)
                if query == "jlqc":
                    assert "search_project_initials_trgm" in plan, plan
                assert "projects_project_investor_id" in plan, (query, plan)
        finally:
            cursor.execute("SET enable_seqscan = on")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_a_mobile_or_credit_code_never_reads_every_enterprise(world):
    """An enterprise matched by a contact's mobile is a UNION with its own match, each through
    its own index: as one OR with the contacts' subquery, PostgreSQL read every enterprise and,
    through the investors, every project (seconds at 10^6 projects). The whole dropdown statement
    is checked (sequential scans off here: the test tables are tiny)."""
    from django.test.utils import CaptureQueriesContext

    user = world["users"]["city_staff"]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            for query in ("13800138000", GEELY_CODE[:12]):
                with CaptureQueriesContext(connection) as ctx:
                    global_search(user=user, q=query)
                (statement,) = [q["sql"] for q in ctx.captured_queries]
                cursor.execute("EXPLAIN " + statement)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                for table in ("projects_project", "enterprises_enterprise"):
                    assert f"Seq Scan on {table}" not in plan, (query, plan)
                # The OR's mark: every enterprise row tested against the contacts' subquery.
                assert "OR (hashed SubPlan" not in plan and "OR (SubPlan" not in plan, plan
                if query == "13800138000":
                    assert "search_contact_mobile_trgm" in plan, plan
        finally:
            cursor.execute("SET enable_seqscan = on")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_a_short_query_is_served_by_the_prefix_indexes(world):
    """A two-character query holds no trigram; its LIKE 'jl%' filters are range scans of the
    B-tree text_pattern_ops indexes (search.0004), not a read of every row (sequential scans off
    here: the test tables are tiny; a trigram index would be read whole)."""
    from enterprises.models import EnterpriseContact, IndustrialPark
    from search.selectors import _name_match

    user = world["users"]["city_staff"]
    cases = [
        ("吉利", ["search_project_name_prefix"]),
        ("jl", ["search_project_initials_prefix", "search_project_pinyin_prefix"]),
        (IndustrialPark.objects.filter(_name_match("jl")), ["search_park_initials_prefix"]),
        (EnterpriseContact.objects.filter(_name_match("zl")), ["search_contact_initials_prefix"]),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_bitmapscan = on")
        try:
            for case, indexes in cases:
                if isinstance(case, str):  # the projects part of the search's statement
                    plan = _projects_plan(cursor, user, case)
                else:
                    plan = case.explain()
                for index in indexes:
                    assert index in plan, (index, plan)
                assert "_trgm" not in plan, plan
        finally:
            cursor.execute("SET enable_seqscan = on")


def test_a_scope_rule_that_reaches_another_table_becomes_its_ids(world):
    """The search takes each model's visible rows as the access policy's own WHERE; a rule that
    joins another table (none of the searched models' today, a follow-up's does: its project's
    region) is kept as the scoped ids, so the same rows are read, never more."""
    from accounts.scoping import scope
    from projects.models import FollowUp
    from search.selectors import _rows_of

    for project in (world["secret"], world["yuci"], world["geely_project"]):
        FollowUp.objects.create(
            project=project, kind=FollowUp.Kind.choices[0][0], happened_on=dt.date(2024, 5, 1)
        )
    for username in ("yuci_staff", "city_staff"):
        scoped = scope(FollowUp.objects.all(), world["users"][username])
        condition, params = _rows_of(scoped)
        with connection.cursor() as cursor:
            sql = f'SELECT "id" FROM "projects_followup" WHERE {condition}'  # noqa: S608
            cursor.execute(sql, params)
            ids = {row[0] for row in cursor.fetchall()}
        assert ids == set(scoped.values_list("pk", flat=True)), username
    assert len(ids) == 3 and _rows_of(scope(FollowUp.objects.all(), None)) is None
