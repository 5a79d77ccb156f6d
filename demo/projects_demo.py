"""Demo enterprises, parks and projects: the figures of the source article (2023) plus a few years of
synthetic projects around them, so that a newcomer sees a real picture.

Acceptance figures (DESIGN.md): 2023 Q1 has exactly 39 projects signed, 356.69亿元 of planned
investment; 15 of them signed at the 2023-02-03 Taiyuan conference, 346.8亿元; projects planned to
start in 2023 Q1 total 35.78亿元. Synthetic projects stay out of 2023 Q1 (both signed_on and
planned_start_on) so those figures hold. Amounts are 万元.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from core.models import ChainLink, IndustryChain, PromotionMethod, Region
from demo.identity import with_identity
from enterprises import services as enterprise_services
from enterprises.models import ChainLeaderRole, Enterprise, IndustrialPark
from projects import services as project_services
from projects.models import MILESTONE_FIELD, PIPELINE, Project, Stage

D = dt.date
User = get_user_model()
TAIYUAN_EVENT = "taiyuan-2023-02-03"

PARKS = [
    # (name, kind, region code, leading chain codes, description)
    (
        "晋中新能源汽车产业园",
        "park",
        "JZKFQ",
        ["nev", "methanol"],
        "吉利晋中基地所在园区,集聚企业27户、关联配套企业60户,“一链三线”布局。",
    ),
    (
        "山西综改示范区晋中开发区",
        "dev_zone",
        "JZKFQ",
        ["nev", "methanol"],
        "晋中开发区招商服务有限公司2023年1月29日揭牌运行,开展市场化招商。",
    ),
    (
        "绿色精品特钢零碳产业园",
        "park",
        "140781",
        ["special-steel"],
        "以低碳金属制品制造为主,引进特钢材料产业链下游深加工企业。",
    ),
    ("介休经济技术开发区", "dev_zone", "140781", ["special-steel"], ""),
    (
        "灵石经济技术开发区",
        "dev_zone",
        "140729",
        ["chemical-materials", "coal-machinery"],
        "聚焦专精特新企业和项目。",
    ),
    (
        "寿阳经济技术开发区",
        "dev_zone",
        "140725",
        ["coal-machinery", "chemical-materials", "packaging-paper"],
        "围绕煤机制造、化工新材料、新型包装纸组建3个专班。",
    ),
    (
        "榆社经济技术开发区",
        "dev_zone",
        "140721",
        ["methanol"],
        "规划实施总投资6.58亿元的基础设施建设项目。",
    ),
    (
        "千亿级农特产品精深加工园区",
        "park",
        "140702",
        ["agri-food"],
        "与四川大学农产品加工研究院对接。",
    ),
    (
        "太谷玛钢特色专业镇",
        "specialty_town",
        "140703",
        ["malleable-iron"],
        "全省首批十大特色专业镇;全国首家玛钢绿色铸造小镇。",
    ),
    (
        "祁县玻璃器皿特色专业镇",
        "specialty_town",
        "140727",
        ["glassware"],
        "全省首批十大特色专业镇;10大系列7000多个品种。",
    ),
    ("平遥牛肉特色专业镇", "specialty_town", "140728", ["agri-food"], "全省首批十大特色专业镇。"),
    (
        "平遥推光漆器特色专业镇",
        "specialty_town",
        "140728",
        ["lacquerware"],
        "全省首批十大特色专业镇。",
    ),
]

# Named enterprises of the article: (name, region code or None, park, origin, ownership, chain, notes)
NAMED_ENTERPRISES = [
    (
        "吉利汽车晋中基地",
        "JZKFQ",
        "晋中新能源汽车产业园",
        "in_province",
        "private",
        "nev",
        "省级“链主”企业;2016年9月投产,累计生产整车47.8万台;产能由10.5万辆提升到20万辆,产量占全省95%。",
    ),
    (
        "山西安泰集团股份有限公司",
        "140781",
        "绿色精品特钢零碳产业园",
        "in_province",
        "private",
        "special-steel",
        "省级特钢材料产业链“链核”企业、晋中市级“链主”企业。",
    ),
    (
        "平遥牛肉集团有限公司",
        "140728",
        "平遥牛肉特色专业镇",
        "in_province",
        "private",
        "agri-food",
        "",
    ),
    (
        "晋中开发区招商服务有限公司",
        "JZKFQ",
        "山西综改示范区晋中开发区",
        "in_province",
        "state",
        None,
        "2023年1月29日揭牌运行,市场化招商。",
    ),
    ("上海国惠", None, None, "yrd", "", None, "市招商引资服务中心洽谈会对接。"),
    ("汉麻集团", None, None, "jjj", "private", None, "汉麻总部,市招商引资服务中心洽谈会对接。"),
    ("天津商会", None, None, "jjj", "", None, "市招商引资服务中心洽谈会对接。"),
    (
        "四川大学农产品加工研究院",
        None,
        None,
        "other_domestic",
        "",
        "agri-food",
        "榆次区赴四川大学对接。",
    ),
    ("上海中产集团", None, None, "yrd", "", None, "平遥县委托招商、专业化招商咨询机构。"),
]

YEAR_FIGURES = [
    # (enterprise, year, output, revenue, profit, tax)
    ("吉利汽车晋中基地", 2020, "408000", None, None, None),
    ("吉利汽车晋中基地", 2021, "1000000", None, None, None),  # 2021 “突破100亿元”
    ("吉利汽车晋中基地", 2022, "2330000", None, None, None),
    ("山西安泰集团股份有限公司", 2022, "3107000", None, None, None),
    ("平遥牛肉集团有限公司", 2022, None, "71000", "2022", "5209"),
]

# The 15 projects signed at the 2023-02-03 Taiyuan conference: 3,468,000 万元 = 346.8亿元.
# (name, region, park, chain, link, investor, origin, method, amount, planned_start_on, started_on)
TAIYUAN = [
    (
        "安泰集团200万吨精制线材项目",
        "140781",
        "绿色精品特钢零碳产业园",
        "special-steel",
        "精制线材",
        "山西安泰集团股份有限公司",
        "in_province",
        "industry-chain",
        500000,
        D(2023, 6, 30),
        None,
    ),
    (
        "安泰集团200万吨标准件项目",
        "140781",
        "绿色精品特钢零碳产业园",
        "special-steel",
        "标准件",
        "山西安泰集团股份有限公司",
        "in_province",
        "industry-chain",
        550000,
        D(2023, 7, 15),
        None,
    ),
    (
        "安泰集团60万吨金属制品项目",
        "140781",
        "绿色精品特钢零碳产业园",
        "special-steel",
        "金属制品",
        "山西安泰集团股份有限公司",
        "in_province",
        "industry-chain",
        250000,
        D(2023, 8, 1),
        None,
    ),
    (
        "吉利甲醇重卡扩能项目",
        "JZKFQ",
        "晋中新能源汽车产业园",
        "methanol",
        "甲醇重卡",
        "吉利汽车晋中基地",
        "in_province",
        "industry-chain",
        400000,
        D(2023, 5, 10),
        D(2023, 5, 18),
    ),
    (
        "新能源动力电池PACK项目",
        "JZKFQ",
        "晋中新能源汽车产业园",
        "nev",
        "动力电池",
        "江苏华能动力电池科技有限公司",
        "yrd",
        "business-referral",
        350000,
        D(2023, 4, 20),
        D(2023, 5, 6),
    ),
    (
        "电机电控总成项目",
        "JZKFQ",
        "晋中新能源汽车产业园",
        "nev",
        "电机电控",
        "浙江驰远电驱动有限公司",
        "yrd",
        "business-referral",
        180000,
        D(2023, 9, 1),
        None,
    ),
    (
        "新能源专用车项目",
        "140702",
        None,
        "nev",
        "专用车",
        "北京中通专用汽车有限公司",
        "jjj",
        "industry-chain",
        150000,
        D(2023, 6, 1),
        D(2023, 6, 12),
    ),
    (
        "绿色甲醇制备项目",
        "140725",
        "寿阳经济技术开发区",
        "methanol",
        "绿色甲醇制备",
        "上海绿氢甲醇能源有限公司",
        "yrd",
        "industry-chain",
        300000,
        D(2023, 10, 1),
        None,
    ),
    (
        "甲醇加注站网络项目",
        "140721",
        "榆社经济技术开发区",
        "methanol",
        "甲醇加注站",
        "天津滨海清洁能源有限公司",
        "jjj",
        "industry-chain",
        80000,
        D(2023, 3, 15),
        D(2023, 3, 28),
    ),
    (
        "化工新材料产业化项目",
        "140725",
        "寿阳经济技术开发区",
        "chemical-materials",
        "新材料合成",
        "江苏新材科技集团有限公司",
        "yrd",
        "small-team",
        200000,
        D(2023, 9, 15),
        None,
    ),
    (
        "智能煤机装备制造项目",
        "140725",
        "寿阳经济技术开发区",
        "coal-machinery",
        "液压支架",
        "北京天地智能装备有限公司",
        "jjj",
        "small-team",
        120000,
        D(2023, 3, 20),
        D(2023, 4, 3),
    ),
    (
        "碳基新材料项目",
        "140729",
        "灵石经济技术开发区",
        "chemical-materials",
        "新材料合成",
        "广东碳源新材料有限公司",
        "prd",
        "platform",
        180000,
        D(2023, 11, 1),
        None,
    ),
    (
        "玛钢绿色铸造升级项目",
        "140703",
        "太谷玛钢特色专业镇",
        "malleable-iron",
        "铸造",
        "浙江精铸科技有限公司",
        "yrd",
        "expo",
        100000,
        D(2023, 3, 10),
        D(2023, 3, 16),
    ),
    (
        "新能源汽车零部件产业园项目",
        "140727",
        None,
        "nev",
        "汽车零部件",
        "河北博远汽车零部件有限公司",
        "jjj",
        "business-referral",
        58000,
        D(2023, 7, 1),
        None,
    ),
    (
        "高端玻璃器皿生产线项目",
        "140727",
        "祁县玻璃器皿特色专业镇",
        "glassware",
        "玻璃器皿制造",
        "广东晶美玻璃制品有限公司",
        "prd",
        "expo",
        50000,
        D(2023, 3, 25),
        None,
    ),
]

# The other 24 projects signed in 2023 Q1: 98,900 万元, so Q1 totals 3,566,900 万元 = 356.69亿元.
# (name, region, park, chain, link, investor, origin, method, amount, signed_on, planned_start_on)
Q1_OTHERS = [
    (
        "农特产品冷链物流项目",
        "140702",
        "千亿级农特产品精深加工园区",
        "agri-food",
        "冷链与电商",
        "北京华瑞冷链物流有限公司",
        "jjj",
        "small-team",
        11500,
        D(2023, 1, 12),
        D(2023, 5, 1),
    ),
    (
        "玛钢管件智能化改造项目",
        "140703",
        "太谷玛钢特色专业镇",
        "malleable-iron",
        "管件阀门",
        "天津鑫达管件有限公司",
        "jjj",
        "expo",
        8800,
        D(2023, 2, 16),
        D(2023, 6, 1),
    ),
    (
        "玻璃器皿深加工项目",
        "140727",
        "祁县玻璃器皿特色专业镇",
        "glassware",
        "深加工与彩绘",
        "浙江琉光玻璃工艺有限公司",
        "yrd",
        "expo",
        7600,
        D(2023, 3, 2),
        D(2023, 5, 20),
    ),
    (
        "平遥牛肉精深加工扩能项目",
        "140728",
        "平遥牛肉特色专业镇",
        "agri-food",
        "精深加工",
        "平遥牛肉集团有限公司",
        "in_province",
        "business-referral",
        6500,
        D(2023, 1, 18),
        D(2023, 4, 15),
    ),
    (
        "金属制品配套项目",
        "140781",
        "介休经济技术开发区",
        "special-steel",
        "金属制品",
        "河北邯郸精工制品有限公司",
        "jjj",
        "small-team",
        5800,
        D(2023, 2, 24),
        D(2023, 7, 1),
    ),
    (
        "煤机配件项目",
        "140729",
        "灵石经济技术开发区",
        "coal-machinery",
        "铸锻件",
        "河南巩义重工配件有限公司",
        "other_domestic",
        "small-team",
        5200,
        D(2023, 3, 14),
        D(2023, 6, 15),
    ),
    (
        "新型包装纸项目",
        "140725",
        "寿阳经济技术开发区",
        "packaging-paper",
        "包装纸制造",
        "广东华彩包装有限公司",
        "prd",
        "industry-chain",
        4800,
        D(2023, 1, 9),
        D(2023, 3, 6),
    ),
    (
        "甲醇储运项目",
        "140721",
        "榆社经济技术开发区",
        "methanol",
        "甲醇储运",
        "山西晋能储运有限公司",
        "in_province",
        "industry-chain",
        4600,
        D(2023, 2, 10),
        D(2023, 5, 8),
    ),
    (
        "左权县小米精深加工项目",
        "140722",
        None,
        "agri-food",
        "精深加工",
        "北京禾丰食品有限公司",
        "jjj",
        "small-team",
        4200,
        D(2023, 3, 6),
        D(2023, 6, 1),
    ),
    (
        "和顺县牛肉加工项目",
        "140723",
        None,
        "agri-food",
        "屠宰与初加工",
        "内蒙古草原牧业有限公司",
        "other_domestic",
        "business-referral",
        4000,
        D(2023, 2, 27),
        D(2023, 5, 15),
    ),
    (
        "昔阳县化工新材料项目",
        "140724",
        None,
        "chemical-materials",
        "下游应用",
        "海南椰风新材料有限公司",
        "other_domestic",
        "small-team",
        3800,
        D(2023, 3, 9),
        D(2023, 7, 10),
    ),
    (
        "推光漆器文创项目",
        "140728",
        "平遥推光漆器特色专业镇",
        "lacquerware",
        "文创与销售",
        "上海漆艺文化发展有限公司",
        "yrd",
        "commissioned",
        3500,
        D(2023, 3, 21),
        D(2023, 6, 20),
    ),
    (
        "汽车电子项目",
        "140702",
        None,
        "nev",
        "汽车电子",
        "深圳芯驰汽车电子有限公司",
        "prd",
        "business-referral",
        3200,
        D(2023, 1, 30),
        D(2023, 4, 25),
    ),
    (
        "铸造五金出口项目",
        "140703",
        "太谷玛钢特色专业镇",
        "malleable-iron",
        "五金出口",
        "宁波海联五金有限公司",
        "yrd",
        "expo",
        3000,
        D(2023, 3, 1),
        D(2023, 3, 20),
    ),
    (
        "玻璃模具项目",
        "140727",
        "祁县玻璃器皿特色专业镇",
        "glassware",
        "模具",
        "江苏精模科技有限公司",
        "yrd",
        "industry-chain",
        3000,
        D(2023, 2, 8),
        D(2023, 6, 5),
    ),
    (
        "标准件配套项目",
        "140781",
        "绿色精品特钢零碳产业园",
        "special-steel",
        "标准件",
        "河南济源紧固件有限公司",
        "other_domestic",
        "small-team",
        2800,
        D(2023, 3, 17),
        D(2023, 8, 15),
    ),
    (
        "化工新材料中试项目",
        "140729",
        "灵石经济技术开发区",
        "chemical-materials",
        "新材料合成",
        "四川蜀材新材料有限公司",
        "other_domestic",
        "platform",
        2600,
        D(2023, 3, 14),
        D(2023, 7, 20),
    ),
    (
        "液压支架维修项目",
        "140725",
        "寿阳经济技术开发区",
        "coal-machinery",
        "智能矿山服务",
        "山西煤机服务有限公司",
        "in_province",
        "small-team",
        2500,
        D(2023, 1, 16),
        D(2023, 4, 10),
    ),
    (
        "甲醇加注站项目",
        "140721",
        "榆社经济技术开发区",
        "methanol",
        "甲醇加注站",
        "山西清洁能源投资有限公司",
        "in_province",
        "industry-chain",
        2400,
        D(2023, 3, 23),
        D(2023, 6, 30),
    ),
    (
        "动力电池回收项目",
        "JZKFQ",
        "晋中新能源汽车产业园",
        "nev",
        "电池回收利用",
        "上海循环科技有限公司",
        "yrd",
        "resident-office",
        2200,
        D(2023, 2, 20),
        D(2023, 5, 30),
    ),
    (
        "左权县中药材种植基地项目",
        "140722",
        None,
        "agri-food",
        "种养基地",
        "河北安国药业有限公司",
        "jjj",
        "small-team",
        2000,
        D(2023, 1, 5),
        D(2023, 4, 1),
    ),
    (
        "和顺县牛肉屠宰加工项目",
        "140723",
        None,
        "agri-food",
        "屠宰与初加工",
        "山西和牧食品有限公司",
        "in_province",
        "business-referral",
        1800,
        D(2023, 3, 28),
        D(2023, 7, 1),
    ),
    (
        "昔阳县包装制品项目",
        "140724",
        None,
        "packaging-paper",
        "包装制品",
        "天津津彩印务有限公司",
        "jjj",
        "small-team",
        1600,
        D(2023, 2, 14),
        D(2023, 5, 1),
    ),
    (
        "平遥牛肉冷链配送项目",
        "140728",
        "平遥牛肉特色专业镇",
        "agri-food",
        "冷链与电商",
        "杭州鲜达供应链有限公司",
        "yrd",
        "commissioned",
        1500,
        D(2023, 3, 30),
        D(2023, 6, 10),
    ),
]

# 晋中开发区招商服务有限公司: 14 projects in talks, about 105.68亿元 (1,056,800 万元).
JZKFQ_TALKS = [
    200000,
    150000,
    120000,
    100000,
    90000,
    80000,
    70000,
    60000,
    50000,
    46800,
    40000,
    25000,
    15000,
    10000,
]
JZKFQ_TALK_NAMES = [
    "新能源整车配套产业园",
    "氢能装备制造",
    "智能网联汽车测试基地",
    "高端装备制造基地",
    "新型储能电站",
    "汽车内饰件",
    "轻量化车身",
    "锂电材料",
    "数字经济产业园",
    "汽车线束",
    "热管理系统",
    "长三角飞地孵化器",
    "汽车座椅",
    "检验检测中心",
]

# Leads and talks named in the article, outside the Q1 figures.
ARTICLE_LEADS = [
    # (name, region, chain, investor, stage, registered_on, negotiating_on, amount, method, notes)
    (
        "千亿级农特产品精深加工园区项目",
        "140702",
        "agri-food",
        "四川大学农产品加工研究院",
        Stage.NEGOTIATING,
        D(2023, 2, 15),
        D(2023, 3, 8),
        500000,
        "small-team",
        "榆次区赴四川大学,与农产品加工研究院对接。",
    ),
    (
        "上海国惠合作项目",
        "140700",
        None,
        "上海国惠",
        Stage.NEGOTIATING,
        D(2023, 3, 1),
        D(2023, 3, 20),
        50000,
        "platform",
        "市招商引资服务中心组织洽谈会对接。",
    ),
    (
        "汉麻产业总部项目",
        "140700",
        None,
        "汉麻集团",
        Stage.NEGOTIATING,
        D(2023, 3, 5),
        D(2023, 3, 22),
        80000,
        "small-team",
        "市招商引资服务中心组织洽谈会对接。",
    ),
    (
        "天津商会企业对接",
        "140700",
        None,
        "天津商会",
        Stage.LEAD,
        D(2023, 3, 22),
        None,
        30000,
        "business-referral",
        "市招商引资服务中心组织洽谈会对接。",
    ),
    (
        "平遥牛肉与推光漆产业链委托招商",
        "140728",
        "lacquerware",
        "上海中产集团",
        Stage.NEGOTIATING,
        D(2023, 3, 10),
        D(2023, 4, 2),
        20000,
        "commissioned",
        "平遥县对接上海中产集团,开展专业化招商、委托招商。",
    ),
]

ORIGIN_CITIES = {
    "jjj": ["北京", "天津", "石家庄", "保定"],
    "yrd": ["上海", "苏州", "杭州", "宁波", "南京"],
    "prd": ["深圳", "广州", "东莞", "佛山"],
    "in_province": ["太原", "大同", "长治", "晋城"],
    "other_domestic": ["成都", "郑州", "西安", "武汉"],
    # Named by country where a city would not be (韩国…株式会社 reads as a Korean firm).
    "overseas": ["香港", "新加坡", "韩国", "德国"],
}
SYNTHETIC_WORDS = [
    "华瑞",
    "恒通",
    "远景",
    "博达",
    "金泰",
    "宏图",
    "中科",
    "瑞丰",
    "鼎盛",
    "新源",
    "正和",
    "汇能",
]
SYNTHETIC_TRADES = {
    "nev": "汽车科技",
    "special-steel": "金属材料",
    "methanol": "清洁能源",
    "malleable-iron": "铸造",
    "glassware": "玻璃制品",
    "agri-food": "食品",
    "coal-machinery": "矿山装备",
    "chemical-materials": "新材料",
    "packaging-paper": "包装材料",
    "lacquerware": "文化创意",
}


class _Refs:
    def __init__(self) -> None:
        self.regions = {r.code: r for r in Region.objects.all()}
        self.chains = {c.code: c for c in IndustryChain.objects.all()}
        self.links = {
            (link.chain.code, link.name): link for link in ChainLink.objects.select_related("chain")
        }
        self.methods = {m.code: m for m in PromotionMethod.objects.all()}
        self.parks = {p.name: p for p in IndustrialPark.objects.all()}

    def link(self, chain: str | None, name: str | None):
        return self.links.get((chain, name)) if chain and name else None


def _enterprise(
    refs: _Refs,
    name: str,
    origin: str,
    *,
    region=None,
    park=None,
    chain=None,
    ownership="",
    notes: str = "",
) -> Enterprise:
    existing = Enterprise.all_objects.filter(name=name).first()
    if existing:
        return existing
    return enterprise_services.enterprise_create(
        name=name,
        **with_identity(
            name,
            {
                "region": region,
                "park": park,
                "investor_origin": origin,
                "ownership": ownership,
                "main_chain": refs.chains.get(chain) if chain else None,
                "notes": notes,
            },
        ),
    )


OWNER_BY_REGION = {"140702": "yuci_staff", "140703": "taigu_staff"}


def _project(refs: _Refs, *, name: str, stage: str, **fields) -> Project:
    existing = Project.all_objects.filter(name=name).first()
    if existing:
        return existing
    owner = OWNER_BY_REGION.get(fields["region"].code, "city_staff")
    fields.setdefault("owner", User.objects.filter(username=owner).first())
    return project_services.project_create(by=None, name=name, stage=stage, **fields)


def _reached(signed_on, started_on=None, producing_on=None) -> str:
    if producing_on:
        return Stage.PRODUCING
    if started_on:
        return Stage.STARTED
    return Stage.SIGNED if signed_on else Stage.LEAD


@transaction.atomic
def load_projects_demo() -> None:
    refs = _Refs()
    for name, kind, region_code, chain_codes, description in PARKS:
        park = IndustrialPark.objects.filter(name=name).first() or enterprise_services.park_save(
            park=IndustrialPark(
                name=name, kind=kind, region=refs.regions[region_code], description=description
            )
        )
        park.leading_chains.add(*[refs.chains[c] for c in chain_codes])
        refs.parks[name] = park

    for name, region_code, park, origin, ownership, chain, notes in NAMED_ENTERPRISES:
        _enterprise(
            refs,
            name,
            origin,
            region=refs.regions.get(region_code) if region_code else None,
            park=refs.parks.get(park),
            chain=chain,
            ownership=ownership,
            notes=notes,
        )
    for name, year, output, revenue, profit, tax in YEAR_FIGURES:
        enterprise = Enterprise.objects.get(name=name)
        enterprise_services.year_figures_record(
            enterprise=enterprise,
            year=year,
            output_value=Decimal(output) if output else None,
            revenue=Decimal(revenue) if revenue else None,
            profit=Decimal(profit) if profit else None,
            tax=Decimal(tax) if tax else None,
        )
    geely = Enterprise.objects.get(name="吉利汽车晋中基地")
    antai = Enterprise.objects.get(name="山西安泰集团股份有限公司")
    for enterprise, chain, level, kind in [
        (geely, "nev", "provincial", "leader"),
        (antai, "special-steel", "provincial", "core"),
        (antai, "special-steel", "municipal", "leader"),
    ]:
        ChainLeaderRole.objects.get_or_create(
            enterprise=enterprise, chain=refs.chains[chain], level=level, defaults={"kind": kind}
        )

    # Geely's base itself: in production since 2016-09.
    _project(
        refs,
        name="吉利汽车晋中基地新能源整车项目",
        stage=Stage.AT_CAPACITY,
        investor=geely,
        region=refs.regions["JZKFQ"],
        park=refs.parks["晋中新能源汽车产业园"],
        chain=refs.chains["nev"],
        chain_link=refs.link("nev", "乘用车"),
        method=refs.methods["industry-chain"],
        planned_investment=Decimal(1000000),
        registered_on=D(2014, 11, 1),
        signed_on=D(2015, 3, 18),
        started_on=D(2015, 6, 1),
        producing_on=D(2016, 9, 1),
        at_capacity_on=D(2021, 12, 31),
        notes="演示数据:投资额为示意。2016年9月投产,累计生产整车47.8万台。",
    )

    for (
        name,
        region,
        park,
        chain,
        link,
        investor,
        origin,
        method,
        amount,
        planned_start,
        started,
    ) in TAIYUAN:
        inv = _enterprise(refs, investor, origin, chain=chain)
        _project(
            refs,
            name=name,
            stage=_reached(D(2023, 2, 3), started),
            investor=inv,
            region=refs.regions[region],
            park=refs.parks.get(park) if park else None,
            chain=refs.chains[chain],
            chain_link=refs.link(chain, link),
            method=refs.methods[method],
            planned_investment=Decimal(amount),
            registered_on=D(2022, 11, 20),
            negotiating_on=D(2022, 12, 10),
            signed_on=D(2023, 2, 3),
            planned_start_on=planned_start,
            started_on=started,
            is_out_of_province=origin not in ("in_province",),
            notes="2023年2月3日“双招双引共话发展”晋中招商推介会(太原)签约项目。",
        )

    for (
        name,
        region,
        park,
        chain,
        link,
        investor,
        origin,
        method,
        amount,
        signed,
        planned_start,
    ) in Q1_OTHERS:
        inv = _enterprise(refs, investor, origin, chain=chain)
        started = planned_start if planned_start <= D(2023, 3, 31) else None
        _project(
            refs,
            name=name,
            stage=_reached(signed, started),
            investor=inv,
            region=refs.regions[region],
            park=refs.parks.get(park) if park else None,
            chain=refs.chains[chain],
            chain_link=refs.link(chain, link),
            method=refs.methods[method],
            planned_investment=Decimal(amount),
            registered_on=signed - dt.timedelta(days=40),
            negotiating_on=signed - dt.timedelta(days=20),
            signed_on=signed,
            planned_start_on=planned_start,
            started_on=started,
            is_out_of_province=origin != "in_province",
        )

    company = Enterprise.objects.get(name="晋中开发区招商服务有限公司")
    for i, (amount, label) in enumerate(zip(JZKFQ_TALKS, JZKFQ_TALK_NAMES, strict=True)):
        origin = ["yrd", "prd", "jjj"][i % 3]
        inv = _enterprise(
            refs,
            f"{ORIGIN_CITIES[origin][i % 4]}{SYNTHETIC_WORDS[i % 12]}{label}有限公司",
            origin,
            chain="nev",
        )
        registered = D(2023, 1, 29) + dt.timedelta(days=7 * i)
        _project(
            refs,
            name=f"{label}项目",
            stage=Stage.NEGOTIATING,
            investor=inv,
            region=refs.regions["JZKFQ"],
            park=refs.parks["山西综改示范区晋中开发区"],
            chain=refs.chains["nev"],
            method=refs.methods["resident-office" if i < 3 else "market-based"],
            planned_investment=Decimal(amount),
            registered_on=registered,
            negotiating_on=registered + dt.timedelta(days=10),
            is_out_of_province=True,
            notes=f"晋中开发区招商服务有限公司对接项目(经办:{company.name})。",
        )

    for (
        name,
        region,
        chain,
        investor,
        stage,
        registered,
        negotiating,
        amount,
        method,
        notes,
    ) in ARTICLE_LEADS:
        inv = Enterprise.objects.get(name=investor)
        _project(
            refs,
            name=name,
            stage=stage,
            investor=inv,
            region=refs.regions[region],
            chain=refs.chains.get(chain) if chain else None,
            method=refs.methods[method],
            planned_investment=Decimal(amount),
            registered_on=registered,
            negotiating_on=negotiating,
            notes=notes,
        )

    _load_synthetic_years(refs)
    _load_follow_ups()


def _load_follow_ups() -> None:
    """A few follow-ups on the article's leads, dated relative to today so "My work" has something."""
    today = project_services.today()
    plans = [
        (
            "千亿级农特产品精深加工园区项目",
            "yuci_staff",
            "visit",
            40,
            "赴四川大学农产品加工研究院对接园区规划。",
            "提交园区可研报告初稿",
            -3,
        ),
        (
            "千亿级农特产品精深加工园区项目",
            "yuci_staff",
            "meeting",
            10,
            "研究院专家来榆次考察选址。",
            "确定一期选址",
            5,
        ),
        (
            "上海国惠合作项目",
            "city_staff",
            "meeting",
            20,
            "洽谈会对接合作方向。",
            "发送投资环境介绍材料",
            2,
        ),
        (
            "汉麻产业总部项目",
            "city_staff",
            "call",
            50,
            "电话沟通总部落地条件。",
            "约定赴京拜访时间",
            -10,
        ),
    ]
    for project_name, username, kind, days_ago, summary, next_step, due_in in plans:
        project = Project.objects.filter(name=project_name).first()
        if project is None or project.follow_ups.filter(summary=summary).exists():
            continue
        author = User.objects.filter(username=username).first()
        if author is None:
            continue
        project_services.followup_record(
            project=project,
            by=author,
            kind=kind,
            happened_on=today - dt.timedelta(days=days_ago),
            summary=summary,
            next_step=next_step,
            next_due_on=today + dt.timedelta(days=due_in),
        )


def _load_synthetic_years(refs: _Refs) -> None:
    """About 25 projects a year, 2022 and 2023 Q2 to 2026, with funds in place; seeded, so the same on
    every machine. None is signed or planned to start in 2023 Q1."""
    rng = random.Random(20230203)  # noqa: S311
    county_codes = [c for c in refs.regions if c not in ("140700",)]
    chain_codes = list(SYNTHETIC_TRADES)
    today = project_services.today()
    q1_2023 = (D(2023, 1, 1), D(2023, 3, 31))
    for year in (2022, 2023, 2024, 2025, 2026):
        for i in range(25):
            chain = rng.choice(chain_codes)
            region = refs.regions[rng.choice(county_codes)]
            origin = rng.choice(
                ["jjj", "yrd", "yrd", "prd", "in_province", "other_domestic", "overseas"]
            )
            city = ORIGIN_CITIES[origin][rng.randrange(4)]
            investor_name = f"{city}{rng.choice(SYNTHETIC_WORDS)}{SYNTHETIC_TRADES[chain]}有限公司"
            amount = Decimal(
                rng.choice([3000, 5000, 8000, 12000, 20000, 30000, 50000, 80000, 120000])
            )
            start_month = 4 if year == 2023 else 1
            signed = D(year, rng.randint(start_month, 12), rng.randint(1, 28))
            if signed > today:
                continue
            planned_start = signed + dt.timedelta(days=rng.randint(30, 200))
            if q1_2023[0] <= planned_start <= q1_2023[1]:
                planned_start = D(2023, 4, 15)
            started = (
                planned_start + dt.timedelta(days=rng.randint(-10, 60))
                if rng.random() < 0.7
                else None
            )
            if started and (started > today or started < signed):
                started = None
            producing = (
                started + dt.timedelta(days=rng.randint(180, 420))
                if started and rng.random() < 0.5
                else None
            )
            if producing and producing > today:
                producing = None
            link = rng.choice([link for (c, _n), link in refs.links.items() if c == chain])
            inv = _enterprise(refs, investor_name, origin, chain=chain)
            project = _project(
                refs,
                name=f"{region.name}{link.name}项目({year}-{i + 1:02d})",
                stage=_reached(signed, started, producing),
                investor=inv,
                region=region,
                chain=refs.chains[chain],
                chain_link=link,
                method=refs.methods[rng.choice(list(refs.methods))],
                planned_investment=amount,
                registered_on=signed - dt.timedelta(days=rng.randint(20, 90)),
                signed_on=signed,
                planned_start_on=planned_start,
                started_on=started,
                producing_on=producing,
                is_out_of_province=origin not in ("in_province",),
                is_foreign=origin == "overseas",
                is_confidential=rng.random() < 0.08,
            )
            # Draw the funds plan whether or not it is recorded, so the random sequence (and so every
            # later project) is the same on a second run: the loader stays idempotent.
            funds_plan = [
                Decimal(rng.choice(["0.1", "0.15", "0.2"])) for _ in range(rng.randint(1, 4))
            ]
            if started and not project.funds.exists():
                month = started.replace(day=1)
                for share in funds_plan:
                    if month > today:
                        break
                    project_services.funds_record(
                        project=project,
                        month=month,
                        amount=amount * share,
                        by=None,
                        note="演示数据",
                    )
                    month = (month + dt.timedelta(days=32)).replace(day=1)


def stage_for(project: Project) -> str:  # pragma: no cover - helper for the shell
    for stage in reversed(PIPELINE):
        if getattr(project, MILESTONE_FIELD[stage]):
            return stage
    return Stage.LEAD
