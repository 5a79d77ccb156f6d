"""The ledger columns of each kind: Chinese header, how a cell is parsed, and how an object is
written back out (exports and templates use the same list, so an export imports unchanged)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from enterprises.models import InvestorOrigin, Ownership
from events.models import AgreementKind
from projects.models import Stage

# Ledgers are Chinese whatever the UI language, so these words are fixed, not translated.
STAGE_WORDS = {
    Stage.LEAD: "线索",
    Stage.NEGOTIATING: "洽谈",
    Stage.SIGNED: "签约",
    Stage.STARTED: "开工",
    Stage.PRODUCING: "投产",
    Stage.AT_CAPACITY: "达效",
    Stage.DROPPED: "终止",
}
STAGE_ALIASES = {
    "达产": Stage.AT_CAPACITY,
    "在谈": Stage.NEGOTIATING,
    "已签约": Stage.SIGNED,
    "已开工": Stage.STARTED,
    "已投产": Stage.PRODUCING,
    "退出": Stage.DROPPED,
}
ORIGIN_WORDS = {
    InvestorOrigin.JJJ: "京津冀",
    InvestorOrigin.YRD: "长三角",
    InvestorOrigin.PRD: "珠三角",
    InvestorOrigin.IN_PROVINCE: "省内",
    InvestorOrigin.OTHER_DOMESTIC: "国内其他",
    InvestorOrigin.OVERSEAS: "境外",
}
OWNERSHIP_WORDS = {
    Ownership.STATE: "国有",
    Ownership.PRIVATE: "民营",
    Ownership.FOREIGN: "外资",
    Ownership.HMT: "港澳台",
    Ownership.MIXED: "混合所有制",
    Ownership.COLLECTIVE: "集体",
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    # text money date month bool int region regions park chain link method stage choice event_kind
    parser: str
    required: bool = False
    max_length: int | None = None
    choices: dict = field(default_factory=dict)  # value -> Chinese word, for parser "choice"
    example: object = ""
    get: Callable | None = None  # object -> cell value, for exports

    @property
    def is_money(self) -> bool:
        return self.parser == "money"


def _attr(path: str) -> Callable:
    def get(obj):
        value = obj
        for part in path.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    return get


def _name(path: str) -> Callable:
    inner = _attr(path)
    return lambda obj: getattr(inner(obj), "name", None)


def _bool(path: str) -> Callable:
    inner = _attr(path)
    return lambda obj: "是" if inner(obj) else "否"


def _ledger_id(obj):
    return getattr(obj, "ledger_id", None) or ""


PROJECT_COLUMNS = [
    Column("ledger_id", "台账编号", "text", max_length=64, example="YC-2023-001", get=_ledger_id),
    Column(
        "name",
        "项目名称",
        "text",
        required=True,
        max_length=200,
        example="年产10万吨精品钢项目",
        get=_attr("name"),
    ),
    Column(
        "investor_name",
        "投资方",
        "text",
        required=True,
        max_length=200,
        example="山西某某钢铁集团有限公司",
        get=_name("investor"),
    ),
    Column(
        "investor_credit_code",
        "统一社会信用代码",
        "text",
        max_length=18,
        example="",
        get=_attr("investor__credit_code"),
    ),
    Column("region", "县区", "region", required=True, example="榆次区", get=_name("region")),
    Column("park", "园区", "park", example="", get=_name("park")),
    Column("chain", "产业链", "chain", example="特钢材料", get=_name("chain")),
    Column("chain_link", "产业链环节", "link", example="精品钢", get=_name("chain_link")),
    Column("method", "招商方式", "method", example="产业链招商", get=_name("method")),
    Column(
        "planned_investment",
        "计划总投资(万元)",
        "money",
        required=True,
        example="3.5亿",
        get=_attr("planned_investment"),
    ),
    Column(
        "fixed_asset_investment",
        "固定资产投资(万元)",
        "money",
        example=30000,
        get=_attr("fixed_asset_investment"),
    ),
    Column(
        "stage",
        "阶段",
        "stage",
        required=True,
        example="签约",
        get=lambda p: STAGE_WORDS.get(p.stage, p.stage),
    ),
    Column(
        "registered_on",
        "登记日期",
        "date",
        required=True,
        example="2023/1/10",
        get=_attr("registered_on"),
    ),
    Column("negotiating_on", "洽谈日期", "date", example="", get=_attr("negotiating_on")),
    Column("signed_on", "签约日期", "date", example="2023年2月3日", get=_attr("signed_on")),
    Column("started_on", "开工日期", "date", get=_attr("started_on")),
    Column("producing_on", "投产日期", "date", get=_attr("producing_on")),
    Column("at_capacity_on", "达效日期", "date", get=_attr("at_capacity_on")),
    Column("dropped_on", "终止日期", "date", get=_attr("dropped_on")),
    Column("drop_reason", "终止原因", "text", max_length=500, get=_attr("drop_reason")),
    Column(
        "planned_start_on",
        "计划开工日期",
        "date",
        example="2023-03-15",
        get=_attr("planned_start_on"),
    ),
    Column("planned_production_on", "计划投产日期", "date", get=_attr("planned_production_on")),
    Column("expected_jobs", "预计就业(人)", "int", get=_attr("expected_jobs")),
    Column("is_out_of_province", "省外资金", "bool", example="是", get=_bool("is_out_of_province")),
    Column("is_foreign", "外资", "bool", example="否", get=_bool("is_foreign")),
    Column("notes", "备注", "text", max_length=2000, get=_attr("notes")),
]

ENTERPRISE_COLUMNS = [
    Column(
        "name",
        "企业名称",
        "text",
        required=True,
        max_length=200,
        example="山西某某新能源科技有限公司",
        get=_attr("name"),
    ),
    Column("credit_code", "统一社会信用代码", "text", max_length=18, get=_attr("credit_code")),
    Column("is_local", "晋中本地企业", "bool", example="否", get=_bool("is_local")),
    Column("region", "县区", "region", example="太谷区", get=_name("region")),
    Column("park", "园区", "park", get=_name("park")),
    Column(
        "origin_province",
        "来源省份",
        "text",
        max_length=30,
        example="浙江省",
        get=_attr("origin_province"),
    ),
    Column(
        "origin_city", "来源城市", "text", max_length=30, example="杭州市", get=_attr("origin_city")
    ),
    Column(
        "investor_origin",
        "客商来源",
        "choice",
        choices=ORIGIN_WORDS,
        example="长三角",
        get=lambda e: ORIGIN_WORDS.get(e.investor_origin, ""),
    ),
    Column(
        "ownership",
        "企业性质",
        "choice",
        choices=OWNERSHIP_WORDS,
        example="民营",
        get=lambda e: OWNERSHIP_WORDS.get(e.ownership, ""),
    ),
    Column("main_chain", "主导产业链", "chain", example="新能源汽车", get=_name("main_chain")),
    Column("website", "网址", "text", max_length=200, get=_attr("website")),
    Column("notes", "备注", "text", max_length=2000, get=_attr("notes")),
]

FUNDS_COLUMNS = [
    Column(
        "project_ledger_id",
        "台账编号",
        "text",
        max_length=64,
        example="YC-2023-001",
        get=lambda f: getattr(f, "ledger_id", None) or "",
    ),
    Column(
        "project_name",
        "项目名称",
        "text",
        required=True,
        max_length=200,
        example="年产10万吨精品钢项目",
        get=_attr("project__name"),
    ),
    Column(
        "region", "县区", "region", required=True, example="榆次区", get=_name("project__region")
    ),
    Column(
        "month",
        "月份",
        "month",
        required=True,
        example="2023-03",
        get=lambda f: f.month.strftime("%Y-%m") if f.month else "",
    ),
    Column(
        "amount", "到位资金(万元)", "money", required=True, example="3500万", get=_attr("amount")
    ),
    Column("note", "备注", "text", max_length=500, get=_attr("note")),
]

AGREEMENT_WORDS = {
    AgreementKind.FORMAL: "正式合同",
    AgreementKind.FRAMEWORK: "框架协议",
    AgreementKind.STRATEGIC: "战略合作协议",
}


def _organisers(obj):
    event = getattr(obj, "event", None) or obj
    return "、".join(r.name for r in event.organisers.all())


# One row per signing; an event without signings is one row with the signing columns blank. The
# event is identified by its start date and title; its columns repeat on each of its rows (later
# rows may leave them blank).
EVENT_COLUMNS = [
    Column(
        "title",
        "活动名称",
        "text",
        required=True,
        max_length=200,
        example="2023中国（太原）国际能源产业博览会晋中专场",
        get=_attr("event__title"),
    ),
    Column(
        "start_on",
        "开始日期",
        "date",
        required=True,
        example="2023-09-06",
        get=_attr("event__start_on"),
    ),
    Column("end_on", "结束日期", "date", example="2023-09-08", get=_attr("event__end_on")),
    Column("kind", "活动类型", "event_kind", example="推介会", get=_name("event__kind")),
    Column(
        "place_city",
        "举办城市",
        "text",
        max_length=100,
        example="太原市",
        get=_attr("event__place_city"),
    ),
    Column(
        "place_province",
        "举办省份",
        "text",
        max_length=30,
        example="山西省",
        get=_attr("event__place_province"),
    ),
    Column("venue", "举办地点", "text", max_length=200, get=_attr("event__venue")),
    Column("organisers", "主办县区", "regions", example="榆次区", get=_organisers),
    Column(
        "leading_official", "带队领导", "text", max_length=100, get=_attr("event__leading_official")
    ),
    Column("notes", "活动备注", "text", max_length=2000, get=_attr("event__notes")),
    Column(
        "project_ledger_id",
        "签约项目台账编号",
        "text",
        max_length=64,
        example="YC-2023-001",
        get=lambda s: getattr(s, "ledger_id", None) or "",
    ),
    Column(
        "project_name",
        "签约项目名称",
        "text",
        max_length=200,
        example="年产10万吨精品钢项目",
        get=_attr("project__name"),
    ),
    Column(
        "project_region", "签约项目县区", "region", example="榆次区", get=_name("project__region")
    ),
    Column("signed_on", "签约日期", "date", example="2023-09-06", get=_attr("signed_on")),
    Column("amount", "签约金额(万元)", "money", example="3.5亿", get=_attr("amount")),
    Column(
        "agreement_kind",
        "协议类型",
        "choice",
        choices=AGREEMENT_WORDS,
        example="正式合同",
        get=lambda s: AGREEMENT_WORDS.get(getattr(s, "agreement_kind", ""), ""),
    ),
    Column("signing_note", "签约备注", "text", max_length=500, get=_attr("note")),
]

TARGET_COLUMNS = [
    Column("region", "县区", "region", required=True, example="榆次区", get=_name("region")),
    Column("year", "年度", "int", required=True, example=2024, get=_attr("year")),
    Column("signed_count", "签约项目数(个)", "int", example=60, get=_attr("signed_count")),
    Column(
        "signed_amount", "签约投资额(万元)", "money", example="120亿", get=_attr("signed_amount")
    ),
    Column(
        "new_start_amount",
        "新开工投资额(万元)",
        "money",
        example=800000,
        get=_attr("new_start_amount"),
    ),
    Column("funds_amount", "到位资金(万元)", "money", example="50亿", get=_attr("funds_amount")),
]
