"""Demo promotion events: the source article's events with their real dates and places, plus
synthetic activities, so that the statistics page shows the article's figures for 2023 (to the
article's date, 2023-05-08): 81 city and county promotion activities with 96 projects negotiated,
and 57 small-team trips with 67 projects.

It runs after demo/projects_demo.py and reuses its projects where the article names them (the 15
projects signed at Taiyuan on 2023-02-03 are attached to that event, 346.8亿元, without moving them).
Everything it writes goes through events.services and projects.services. Figures it must not move:
2023 Q1 signed (39 projects, 356.69亿元) and 2023 Q1 planned new starts (35.78亿元) — so the
「三个一批」 projects it creates are signed in 2022 and planned to start outside 2023 Q1.
Running it twice changes nothing: every record is found by a natural key first.
Amounts are 万元.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction

from core.models import IndustryChain, PromotionMethod, Region
from demo.identity import with_identity
from enterprises import services as enterprise_services
from enterprises.models import Enterprise, IndustrialPark
from events import services
from events.models import (
    BatchMilestone,
    EventAgreement,
    EventKind,
    PromotionEvent,
    Signing,
    StatsGroup,
)
from projects import services as project_services
from projects.models import Project, Stage

log = logging.getLogger(__name__)
D = dt.date
ARTICLE_DATE = D(2023, 5, 8)
TARGETS = {  # 2023, by ARTICLE_DATE (source article)
    StatsGroup.ACTIVITY: (81, 96),
    StatsGroup.TRIP: (57, 67),
}
SYNTHETIC_NOTE = "演示数据:合成活动(补足文章所述2023年活动数)。"
DATE_NOTE = "文章未给出具体日期,日期为示意。"

EVENT_KINDS = [
    # (code, name, counted as, batch ceremony)
    ("conference", "推介会", StatsGroup.ACTIVITY, False),
    ("expo", "博览会/展会", StatsGroup.ACTIVITY, False),
    ("small-team", "小分队外出招商", StatsGroup.TRIP, False),
    ("resident-office", "驻点招商", StatsGroup.ACTIVITY, False),
    ("symposium", "座谈会", StatsGroup.ACTIVITY, False),
    ("negotiation", "洽谈会", StatsGroup.ACTIVITY, False),
    ("site-visit", "考察对接", StatsGroup.ACTIVITY, False),
    ("three-batches", "三个一批", StatsGroup.NONE, True),
]

# The article's events. Projects are named as demo/projects_demo.py names them; a project that is
# missing (or signed on another date) is skipped, never an error.
# (key, kind, title, start, end, city, province, venue, organisers, official, notes,
#  negotiated project names, signed project names, participating enterprise names)
ARTICLE_EVENTS = [
    (
        "taiyuan",
        "conference",
        "“双招双引共话发展”晋中招商推介会",
        D(2023, 2, 3),
        None,
        "太原市",
        "山西省",
        "",
        ["140700"],
        "",
        "晋中市委、市政府主办;会上共签约15个项目,涵盖新能源、新材料等重要领域,紧贴全市八大新兴产业,总投资额346.8亿元。",
        [],
        "TAIYUAN",
        [],
    ),
    (
        "shouyang",
        "conference",
        "寿阳县优化营商环境暨首批“城市发展合伙人”赋能大会",
        D(2023, 2, 9),
        None,
        "寿阳县",
        "山西省",
        "",
        ["140725"],
        "",
        "会上对接19家企业。" + DATE_NOTE,
        [],
        [],
        [],
    ),
    (
        "jiexiu",
        "conference",
        "介休市发展壮大集体经济项目暨招商引资推介会",
        D(2023, 2, 13),
        None,
        "介休市",
        "山西省",
        "",
        ["140781"],
        "",
        "建立由项目招商、规划审批、人才服务等环节构成的一条龙、全覆盖服务体系。" + DATE_NOTE,
        [],
        [],
        [],
    ),
    (
        "taigu-expo",
        "expo",
        "山西特色专业镇——玛钢铸造产业投资交易博览会",
        D(2023, 2, 16),
        None,
        "太谷区",
        "山西省",
        "",
        ["140703"],
        "",
        "现场签约20份战略协议,引进投资总额约30亿元。" + DATE_NOTE,
        [],
        ["玛钢管件智能化改造项目"],
        [],
    ),
    (
        "yushe",
        "symposium",
        "榆社县甲醇经济发展座谈会",
        D(2023, 2, 20),
        None,
        "榆社县",
        "山西省",
        "",
        ["140721"],
        "",
        "推动榆社经济实现低碳高质量发展。" + DATE_NOTE,
        [],
        [],
        [],
    ),
    (
        "pingyao",
        "symposium",
        "平遥县专业镇建设专题会议",
        D(2023, 2, 24),
        None,
        "平遥县",
        "山西省",
        "",
        ["140728"],
        "",
        "推进市场主体倍增,加快产业转型升级。" + DATE_NOTE,
        ["平遥牛肉与推光漆产业链委托招商"],
        [],
        ["平遥牛肉集团有限公司", "上海中产集团"],
    ),
    (
        "qi-beijing",
        "conference",
        "山西特色专业镇·祁县玻璃器皿招商引资暨产业推介会(北京)",
        D(2023, 3, 2),
        None,
        "北京市",
        "北京市",
        "",
        ["140727"],
        "",
        "祁县在京举办。" + DATE_NOTE,
        [],
        ["玻璃器皿深加工项目"],
        [],
    ),
    (
        "city-talks",
        "negotiation",
        "晋中市招商项目洽谈会",
        D(2023, 3, 22),
        None,
        "晋中市",
        "山西省",
        "",
        ["140700"],
        "",
        "市招商引资服务中心组织,分别对接上海国惠、汉麻总部以及天津商会等。" + DATE_NOTE,
        ["上海国惠合作项目", "汉麻产业总部项目", "天津商会企业对接"],
        [],
        ["上海国惠", "汉麻集团", "天津商会"],
    ),
    (
        "jzkfq-shanghai",
        "resident-office",
        "晋中开发区招商服务有限公司驻上海招商",
        D(2023, 2, 15),
        D(2023, 5, 8),
        "上海市",
        "上海市",
        "",
        ["JZKFQ"],
        "",
        "委派招商专员赴上海驻点招商,搭建与长三角优质企业的沟通桥梁,目前已对接3个项目。" + DATE_NOTE,
        ["新能源整车配套产业园项目", "氢能装备制造项目", "智能网联汽车测试基地项目"],
        [],
        ["晋中开发区招商服务有限公司"],
    ),
    (
        "lingshi-chengdu",
        "negotiation",
        "第五期特色产业链式招商与专精特新项目招引交流会",
        D(2023, 3, 14),
        None,
        "成都市",
        "四川省",
        "",
        ["140729"],
        "",
        "灵石经济技术开发区组织人员赴四川成都参加。",
        [],
        ["化工新材料中试项目"],
        [],
    ),
    (
        "canton-fair",
        "expo",
        "山西特色专业镇·祁县玻璃器皿招商引资暨产业推介会(广交会)",
        D(2023, 4, 23),
        None,
        "广州市",
        "广东省",
        "广交会A区展馆",
        ["140727"],
        "祁县县委书记 李军",
        "祁县玻璃器皿10大系列7000多个品种亮相,40余家企业参会,与客商签订订单总额超过6000万美元,刷新历史纪录。订单折人民币所用汇率为示意。",
        [],
        [],
        [],
    ),
    (
        "tianjin",
        "conference",
        "山西特色专业镇·太谷玛钢专题推介暨全国首家玛钢绿色铸造小镇启动仪式",
        D(2023, 5, 8),
        None,
        "天津市",
        "天津市",
        "国家会展中心(天津)",
        ["140703"],
        "",
        "搭乘第21届中国国际铸造博览会举行;太谷区落实十二种招商方式、推动专业镇高质量发展的具体行动。",
        [],
        [],
        [],
    ),
    # Small-team trips (小分队外出招商)
    (
        "yuci-scu",
        "small-team",
        "榆次区赴四川大学对接千亿级农特产品精深加工园区项目",
        D(2023, 3, 7),
        D(2023, 3, 8),
        "成都市",
        "四川省",
        "四川大学",
        ["140702"],
        "",
        "与农产品加工研究院对接“千亿级农特产品精深加工园区”项目。" + DATE_NOTE,
        ["千亿级农特产品精深加工园区项目"],
        [],
        ["四川大学农产品加工研究院"],
    ),
    (
        "jiexiu-henan",
        "small-team",
        "赴邯郸、济源、巩义开展特钢产业链招商",
        D(2023, 2, 20),
        D(2023, 2, 23),
        "邯郸市、济源市、巩义市",
        "河北省、河南省",
        "",
        ["140781", "140700"],
        "",
        "介休经济技术开发区、市招商引资服务中心及安泰集团围绕安泰集团精品钢深加工“零碳”产业园项目开展招商。"
        + DATE_NOTE,
        ["金属制品配套项目", "标准件配套项目"],
        [],
        ["山西安泰集团股份有限公司"],
    ),
    (
        "xiyang-hainan",
        "small-team",
        "昔阳县赴海口、三亚考察学习",
        D(2023, 3, 6),
        D(2023, 3, 9),
        "海口市、三亚市",
        "海南省",
        "海口经济学院",
        ["140724"],
        "",
        "与海口经济学院对接洽谈,签订战略合作框架协议,深化县校合作。" + DATE_NOTE,
        [],
        ["昔阳县化工新材料项目"],
        [],
    ),
    (
        "city-beijing",
        "small-team",
        "市招商引资服务中心赴北京专业招商推介",
        D(2023, 3, 1),
        D(2023, 3, 2),
        "北京市",
        "北京市",
        "",
        ["140700"],
        "",
        DATE_NOTE,
        [],
        [],
        [],
    ),
    (
        "city-hainan",
        "small-team",
        "市招商引资服务中心赴海南专业招商推介",
        D(2023, 3, 15),
        D(2023, 3, 17),
        "海口市",
        "海南省",
        "",
        ["140700"],
        "",
        DATE_NOTE,
        [],
        [],
        [],
    ),
    (
        "taigu-yrd",
        "small-team",
        "太谷区玛钢专业镇招商小分队赴上海、浙江、江苏、天津考察",
        D(2023, 4, 10),
        D(2023, 4, 15),
        "上海市、杭州市、苏州市、天津市",
        "上海、浙江、江苏、天津",
        "",
        ["140703"],
        "太谷区主要领导",
        "主要领导带领玛钢专业镇招商小分队开展招商考察活动。" + DATE_NOTE,
        [],
        [],
        [],
    ),
]

# Orders and agreements that are not projects: (event key, kind, description, counterparty, quantity,
# currency, original amount (万 of currency), rate, rate date)
ARTICLE_AGREEMENTS = [
    (
        "taigu-expo",
        EventAgreement.Kind.STRATEGIC,
        "现场签约战略协议,引进投资总额约30亿元",
        "",
        20,
        "CNY",
        "300000",
        None,
        None,
    ),
    (
        "canton-fair",
        EventAgreement.Kind.EXPORT_ORDER,
        "祁县玻璃器皿出口订单(40余家企业参会)",
        "广交会客商",
        1,
        "USD",
        "6000",
        "6.8847",
        D(2023, 4, 21),
    ),
    (
        "xiyang-hainan",
        EventAgreement.Kind.FRAMEWORK,
        "县校战略合作框架协议",
        "海口经济学院",
        1,
        "CNY",
        None,
        None,
        None,
    ),
]

# 「三个一批」 2023-02-22: 73 projects, 219.6亿元, expected yearly output 195.3亿元. The projects are
# created here (signed in 2022, so 2023 Q1's signed figures do not move); at the ceremony 45 start
# and 28 go into production.
BATCH_KEY = "three-batches"
BATCH_DATE = D(2023, 2, 22)
BATCH_TOTAL = Decimal("2196000")
BATCH_OUTPUT = Decimal("1953000")
BATCH_STARTED = 45
BATCH_PRODUCING = 28
BATCH_ZONES = [
    # (region code, park name, chain code, link-ish words)
    (
        "JZKFQ",
        "山西综改示范区晋中开发区",
        "nev",
        ["汽车零部件", "动力电池配套", "智能装备", "汽车电子"],
    ),
    ("140781", "介休经济技术开发区", "special-steel", ["精品钢深加工", "金属制品", "焦化副产品"]),
    ("140729", "灵石经济技术开发区", "chemical-materials", ["专精特新材料", "精细化工", "新材料"]),
    ("140725", "寿阳经济技术开发区", "coal-machinery", ["煤机装备", "化工新材料", "新型包装纸"]),
    ("140721", "榆社经济技术开发区", "methanol", ["甲醇储运", "基础设施", "绿色能源"]),
]
BATCH_WORDS = [
    "恒信",
    "正泰",
    "华晋",
    "瑞通",
    "鼎新",
    "汇丰",
    "晋源",
    "泰和",
    "金鼎",
    "宏达",
    "东方",
    "中晋",
]

# Synthetic activities: topics by region and the cities small teams go to.
SYNTH_REGIONS = [
    "140702",
    "140703",
    "140721",
    "140722",
    "140723",
    "140724",
    "140725",
    "140727",
    "140728",
    "140729",
    "140781",
    "JZKFQ",
]
SYNTH_TOPICS = {
    "140702": ("农特产品精深加工", "agri-food"),
    "140703": ("玛钢铸造", "malleable-iron"),
    "140721": ("甲醇经济", "methanol"),
    "140722": ("农特产品", "agri-food"),
    "140723": ("牛肉加工", "agri-food"),
    "140724": ("化工新材料", "chemical-materials"),
    "140725": ("煤机制造", "coal-machinery"),
    "140727": ("玻璃器皿", "glassware"),
    "140728": ("牛肉与推光漆器", "lacquerware"),
    "140729": ("专精特新", "chemical-materials"),
    "140781": ("特钢材料", "special-steel"),
    "JZKFQ": ("新能源汽车", "nev"),
}
TRIP_CITIES = [
    ("北京市", "北京市"),
    ("上海市", "上海市"),
    ("深圳市", "广东省"),
    ("杭州市", "浙江省"),
    ("苏州市", "江苏省"),
    ("天津市", "天津市"),
    ("郑州市", "河南省"),
    ("西安市", "陕西省"),
    ("成都市", "四川省"),
    ("武汉市", "湖北省"),
    ("南京市", "江苏省"),
    ("石家庄市", "河北省"),
    ("济南市", "山东省"),
    ("合肥市", "安徽省"),
    ("宁波市", "浙江省"),
    ("广州市", "广东省"),
]
ACTIVITY_KINDS = ["negotiation", "conference", "site-visit", "symposium"]
SYNTH_COMPANY_WORDS = [
    "华创",
    "远航",
    "中联",
    "嘉禾",
    "博通",
    "振华",
    "天成",
    "富源",
    "德信",
    "联创",
    "景泰",
    "卓越",
]
SYNTH_AMOUNTS = [3000, 5000, 8000, 10000, 15000, 20000, 30000, 50000]


class _Refs:
    def __init__(self) -> None:
        self.regions = {r.code: r for r in Region.objects.all()}
        self.kinds = {k.code: k for k in EventKind.objects.all()}
        self.chains = {c.code: c for c in IndustryChain.objects.all()}
        self.methods = {m.code: m for m in PromotionMethod.objects.all()}
        self.parks = {p.name: p for p in IndustrialPark.objects.all()}


def load_event_kinds() -> None:
    for order, (code, name, group, is_batch) in enumerate(EVENT_KINDS):
        EventKind.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "stats_group": group,
                "is_batch": is_batch,
                "sort_order": order,
            },
        )


def _taiyuan_projects() -> list[Project]:
    """The 15 projects demo/projects_demo.py marks as signed at Taiyuan (its TAIYUAN list); without
    that module, the projects signed on the day."""
    try:
        from demo import projects_demo

        names = [row[0] for row in getattr(projects_demo, "TAIYUAN", [])]
    except ImportError:  # pragma: no cover - the lead's module is part of the project now
        names = []
    if names:
        return list(Project.objects.filter(name__in=names, signed_on=D(2023, 2, 3)).order_by("id"))
    return list(Project.objects.filter(signed_on=D(2023, 2, 3)).order_by("id"))


def _projects_named(names: list[str]) -> list[Project]:
    found = {p.name: p for p in Project.objects.filter(name__in=names)}
    missing = [n for n in names if n not in found]
    if missing:
        log.info("events demo: projects not found, skipped: %s", ", ".join(missing))
    return [found[n] for n in names if n in found]


def _event(
    refs: _Refs,
    *,
    kind: str,
    title: str,
    start: dt.date,
    end: dt.date | None,
    city: str,
    province: str,
    venue: str,
    organisers: list[str],
    official: str = "",
    notes: str = "",
    negotiated: list[Project] = (),
    enterprises: list[Enterprise] = (),
) -> PromotionEvent:
    """Find the event by (title, start date) or create it; keep its negotiated projects exactly as
    given (only written when they differ, so a second run adds no history)."""
    event = PromotionEvent.objects.filter(title=title, start_on=start).first()
    if event is None:
        return services.event_create(
            by=None,
            kind=refs.kinds[kind],
            title=title,
            start_on=start,
            end_on=end,
            place_city=city,
            place_province=province,
            venue=venue,
            organisers=[refs.regions[c] for c in organisers],
            leading_official=official,
            notes=notes,
            enterprises=enterprises,
            projects_negotiated=negotiated,
        )
    wanted = {p.pk for p in negotiated} | set(event.signings.values_list("project_id", flat=True))
    wanted |= set(event.batch_milestones.values_list("project_id", flat=True))
    if set(event.projects_negotiated.values_list("pk", flat=True)) != wanted:
        event.projects_negotiated.set(wanted)
    return event


def _attach_signing(event: PromotionEvent, project: Project) -> None:
    """Record the project as signed at the event when it was signed on a day of the event."""
    if Signing.objects.filter(event=event, project=project).exists():
        return
    if project.signed_on is None or not (event.start_on <= project.signed_on <= event.end_on):
        log.info("events demo: %s is not signed during %s; not attached", project, event)
        return
    services.signing_record(
        by=None, project=project, signed_on=project.signed_on, event=event, note="演示数据"
    )


def _enterprise(name: str, **fields) -> Enterprise:
    existing = Enterprise.all_objects.filter(name=name).first()
    return existing or enterprise_services.enterprise_create(
        name=name, **with_identity(name, fields)
    )


def _load_article_events(refs: _Refs) -> dict[str, PromotionEvent]:
    events = {}
    for (
        key,
        kind,
        title,
        start,
        end,
        city,
        province,
        venue,
        organisers,
        official,
        notes,
        negotiated_names,
        signed_names,
        enterprise_names,
    ) in ARTICLE_EVENTS:
        signed = _taiyuan_projects() if signed_names == "TAIYUAN" else _projects_named(signed_names)
        enterprises = list(Enterprise.objects.filter(name__in=enterprise_names))
        event = _event(
            refs,
            kind=kind,
            title=title,
            start=start,
            end=end,
            city=city,
            province=province,
            venue=venue,
            organisers=organisers,
            official=official,
            notes=notes,
            negotiated=_projects_named(negotiated_names),
            enterprises=enterprises,
        )
        for project in signed:
            _attach_signing(event, project)
        events[key] = event
    for (
        key,
        kind,
        description,
        counterparty,
        quantity,
        currency,
        original,
        rate,
        rate_date,
    ) in ARTICLE_AGREEMENTS:
        event = events[key]
        if not event.agreements.filter(description=description).exists():
            services.agreement_record(
                event=event,
                by=None,
                kind=kind,
                description=description,
                counterparty=counterparty,
                quantity=quantity,
                currency=currency,
                original_amount=original,
                exchange_rate=rate,
                rate_date=rate_date,
            )
    return events


def _split(total: Decimal, weights: list[int]) -> list[Decimal]:
    """Whole 万元 amounts in proportion to `weights` that add up to `total` exactly."""
    whole = sum(weights)
    parts = [(total * w / whole).quantize(Decimal(1)) for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def _load_three_batches(refs: _Refs) -> PromotionEvent:
    """The 2023-02-22 「三个一批」 ceremony: 73 projects of the development zones, 219.6亿元."""
    count = BATCH_STARTED + BATCH_PRODUCING
    weights = [[4, 6, 8, 10, 12, 15, 20, 25][(i * 5) % 8] for i in range(count)]
    amounts = _split(BATCH_TOTAL, weights)
    outputs = _split(BATCH_OUTPUT, weights)
    started, producing = [], []
    for i in range(count):
        code, park_name, chain_code, words = BATCH_ZONES[i % len(BATCH_ZONES)]
        region = refs.regions[code]
        word = BATCH_WORDS[i % len(BATCH_WORDS)]
        name = f"{region.name}{word}{words[i % len(words)]}项目(三个一批{i + 1:02d})"
        project = Project.all_objects.filter(name=name).first()
        goes_producing = i >= BATCH_STARTED
        if project is None:
            investor = _enterprise(
                f"山西{word}{words[i % len(words)]}有限公司",
                region=region,
                is_local=True,
                investor_origin="in_province",
                ownership="private",
                origin_province="山西省",
                origin_city="晋中",
            )
            signed = D(2022, 2 + i % 9, 1 + (i * 3) % 27)  # spread over 2022-02 … 2022-10
            fields = {
                "name": name,
                "investor": investor,
                "region": region,
                "park": refs.parks.get(park_name),
                "chain": refs.chains.get(chain_code),
                "method": refs.methods.get("industry-chain"),
                "planned_investment": amounts[i],
                "expected_annual_output": outputs[i],
                "registered_on": signed - dt.timedelta(days=45),
                "signed_on": signed,
                "notes": "全省开发区2023年第一次“三个一批”活动晋中项目(演示数据)。",
            }
            if goes_producing:
                # Started in 2022, goes into production at the ceremony.
                fields["started_on"] = min(signed + dt.timedelta(days=40), D(2022, 12, 20))
                fields["planned_start_on"] = fields["started_on"]
                stage = Stage.STARTED
            else:
                # Planned to start late in 2022, starts at the ceremony: outside 2023 Q1's plan.
                fields["planned_start_on"] = D(2022, 12, 15)
                stage = Stage.SIGNED
            project = project_services.project_create(by=None, stage=stage, **fields)
        (producing if goes_producing else started).append(project)

    event = _event(
        refs,
        kind=BATCH_KEY,
        title="全省开发区2023年第一次“三个一批”活动(晋中)",
        start=BATCH_DATE,
        end=None,
        city="晋中市",
        province="山西省",
        venue="",
        organisers=["140700", "JZKFQ", "140781", "140729", "140725", "140721"],
        notes="签约一批、开工一批、投产一批。晋中市共有73个项目,总投资219.6亿元,预计年产值195.3亿元。"
        "演示数据中的项目已于2022年签约,本次集中开工45个、集中投产28个。",
    )
    for milestone, projects in (
        (BatchMilestone.Milestone.STARTED, started),
        (BatchMilestone.Milestone.PRODUCING, producing),
    ):
        todo = [
            p
            for p in projects
            if not BatchMilestone.objects.filter(
                event=event, project=p, milestone=milestone
            ).exists()
        ]
        if todo:
            services.event_batch_record(event=event, by=None, milestone=milestone, projects=todo)
    return event


def _negotiated_ids(events: list[PromotionEvent]) -> set[int]:
    ids: set[int] = set()
    for event in events:
        ids |= set(event.projects_negotiated.values_list("pk", flat=True))
    return ids


def _spread_dates(n: int, offset: int) -> list[dt.date]:
    """n dates between 2023-01-04 and the article's date, spread evenly."""
    first, span = D(2023, 1, 4), (ARTICLE_DATE - D(2023, 1, 4)).days - 2
    return [first + dt.timedelta(days=(span * k) // max(n - 1, 1) + offset) for k in range(n)]


def _load_synthetic(refs: _Refs, article: dict[str, PromotionEvent]) -> None:
    """Top up the article's events with synthetic ones so that 2023 to the article's date has exactly
    the article's counts. Each synthetic project is negotiated by one region: first on a trip, then
    at an activity, as county teams work."""
    counted = {
        group: [
            e
            for e in article.values()
            if e.kind.stats_group == group and e.start_on <= ARTICLE_DATE
        ]
        for group in TARGETS
    }
    need_events = {g: TARGETS[g][0] - len(counted[g]) for g in TARGETS}
    need_projects = {g: TARGETS[g][1] - len(_negotiated_ids(counted[g])) for g in TARGETS}

    # Synthetic events: region by round robin, dates spread over 2023-01-04 … 2023-05-06.
    plans = {}
    for group, offset in ((StatsGroup.ACTIVITY, 0), (StatsGroup.TRIP, 1)):
        dates = _spread_dates(need_events[group], offset)
        plans[group] = [
            (SYNTH_REGIONS[k % len(SYNTH_REGIONS)], min(dates[k], ARTICLE_DATE))
            for k in range(need_events[group])
        ]
    # Projects: project j belongs to region j mod 12 and goes to that region's events in turn.
    pool_size = max(need_projects.values())
    assign: dict[StatsGroup, dict[int, list[int]]] = {}
    for group, plan in plans.items():
        by_region: dict[str, list[int]] = {}
        for k, (code, _date) in enumerate(plan):
            by_region.setdefault(code, []).append(k)
        seen: dict[str, int] = {}
        assign[group] = {}
        for j in range(need_projects[group]):
            code = SYNTH_REGIONS[j % len(SYNTH_REGIONS)]
            ks = by_region[code]
            k = ks[seen.get(code, 0) % len(ks)]
            seen[code] = seen.get(code, 0) + 1
            assign[group].setdefault(k, []).append(j)

    first_date: dict[int, dt.date] = {}
    for group, plan in plans.items():
        for k, js in assign[group].items():
            for j in js:
                first_date[j] = min(first_date.get(j, plan[k][1]), plan[k][1])
    pool = [_synthetic_project(refs, j, first_date[j]) for j in range(pool_size)]

    for group, plan in plans.items():
        for k, (code, date) in enumerate(plan):
            topic, _chain = SYNTH_TOPICS[code]
            region = refs.regions[code]
            negotiated = [pool[j] for j in assign[group].get(k, [])]
            if group == StatsGroup.TRIP:
                city, province = TRIP_CITIES[k % len(TRIP_CITIES)]
                _event(
                    refs,
                    kind="small-team",
                    title=f"{region.name}{topic}招商小分队赴{city}",
                    start=date,
                    end=date + dt.timedelta(days=1 + k % 3),
                    city=city,
                    province=province,
                    venue="",
                    organisers=[code],
                    notes=SYNTHETIC_NOTE,
                    negotiated=negotiated,
                )
            else:
                kind = ACTIVITY_KINDS[k % len(ACTIVITY_KINDS)]
                _event(
                    refs,
                    kind=kind,
                    title=f"{region.name}{topic}{refs.kinds[kind].name}",
                    start=date,
                    end=None,
                    city=region.name if code != "JZKFQ" else "晋中市",
                    province="山西省",
                    venue="",
                    organisers=[code],
                    notes=SYNTHETIC_NOTE,
                    negotiated=negotiated,
                )


def _synthetic_project(refs: _Refs, j: int, first_talk: dt.date) -> Project:
    code = SYNTH_REGIONS[j % len(SYNTH_REGIONS)]
    topic, chain_code = SYNTH_TOPICS[code]
    word = SYNTH_COMPANY_WORDS[j % len(SYNTH_COMPANY_WORDS)]
    city, province = TRIP_CITIES[j % len(TRIP_CITIES)]
    name = f"{refs.regions[code].name}{word}{topic}项目(洽谈{j + 1:02d})"
    existing = Project.all_objects.filter(name=name).first()
    if existing:
        return existing
    investor = _enterprise(
        f"{city.rstrip('市')}{word}{topic}有限公司",
        origin_city=city,
        origin_province=province,
        ownership="private",
    )
    return project_services.project_create(
        by=None,
        stage=Stage.NEGOTIATING,
        name=name,
        investor=investor,
        region=refs.regions[code],
        chain=refs.chains.get(chain_code),
        method=refs.methods.get("small-team"),
        planned_investment=Decimal(SYNTH_AMOUNTS[j % len(SYNTH_AMOUNTS)]),
        registered_on=first_talk - dt.timedelta(days=7),
        negotiating_on=first_talk,
        is_out_of_province=True,
        notes="演示数据:招商活动洽谈项目。",
    )


@transaction.atomic
def load_events_demo() -> None:
    """Event kinds, the article's events and the synthetic ones (idempotent)."""
    load_event_kinds()
    refs = _Refs()
    article = _load_article_events(refs)
    article[BATCH_KEY] = _load_three_batches(refs)
    _load_synthetic(refs, article)
