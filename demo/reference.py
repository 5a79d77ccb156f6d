"""Reference data from DESIGN.md and the source article: regions, chains, links, methods."""

REGIONS = [
    # (code, name, kind, sort_order) — GB/T 2260 codes; 晋中开发区 has none, so an internal code.
    ("140700", "晋中市", "city", 0),
    ("140702", "榆次区", "district", 1),
    ("140703", "太谷区", "district", 2),
    ("140721", "榆社县", "county", 3),
    ("140722", "左权县", "county", 4),
    ("140723", "和顺县", "county", 5),
    ("140724", "昔阳县", "county", 6),
    ("140725", "寿阳县", "county", 7),
    ("140727", "祁县", "county", 8),
    ("140728", "平遥县", "county", 9),
    ("140729", "灵石县", "county", 10),
    ("140781", "介休市", "county_city", 11),
    ("JZKFQ", "晋中开发区", "zone", 12),
]

# chain code -> (name, [(link name, position, parent link name or None)])
CHAINS = {
    "nev": (
        "新能源汽车",
        [
            ("动力电池", "upstream", None),
            ("电机电控", "upstream", None),
            ("汽车零部件", "upstream", None),
            ("车身与底盘", "upstream", "汽车零部件"),
            ("汽车电子", "upstream", "汽车零部件"),
            ("整车制造", "midstream", None),
            ("乘用车", "midstream", "整车制造"),
            ("商用车", "midstream", "整车制造"),
            ("专用车", "midstream", "整车制造"),
            ("充换电与加注", "downstream", None),
            ("销售与后市场", "downstream", None),
            ("电池回收利用", "downstream", None),
        ],
    ),
    "special-steel": (
        "特钢材料",
        [
            ("焦炭与铁矿", "upstream", None),
            ("冶炼", "midstream", None),
            ("精品钢", "midstream", None),
            ("精制线材", "downstream", None),
            ("标准件", "downstream", None),
            ("金属制品", "downstream", None),
        ],
    ),
    "methanol": (
        "甲醇经济",
        [
            ("绿色甲醇制备", "upstream", None),
            ("甲醇储运", "midstream", None),
            ("甲醇加注站", "midstream", None),
            ("甲醇乘用车", "downstream", None),
            ("甲醇重卡", "downstream", None),
            ("甲醇小镇", "downstream", None),
        ],
    ),
    "malleable-iron": (
        "玛钢铸造",
        [
            ("生铁与废钢", "upstream", None),
            ("铸造", "midstream", None),
            ("管件阀门", "midstream", None),
            ("机加工与表面处理", "downstream", None),
            ("五金出口", "downstream", None),
        ],
    ),
    "glassware": (
        "玻璃器皿",
        [
            ("石英砂与纯碱", "upstream", None),
            ("模具", "upstream", None),
            ("玻璃器皿制造", "midstream", None),
            ("深加工与彩绘", "downstream", None),
            ("包装与外贸", "downstream", None),
        ],
    ),
    "agri-food": (
        "农特产品精深加工",
        [
            ("种养基地", "upstream", None),
            ("屠宰与初加工", "midstream", None),
            ("精深加工", "midstream", None),
            ("冷链与电商", "downstream", None),
        ],
    ),
    "coal-machinery": (
        "煤机制造",
        [
            ("铸锻件", "upstream", None),
            ("液压支架", "midstream", None),
            ("采掘设备", "midstream", None),
            ("智能矿山服务", "downstream", None),
        ],
    ),
    "chemical-materials": (
        "化工新材料",
        [
            ("基础化工原料", "upstream", None),
            ("新材料合成", "midstream", None),
            ("下游应用", "downstream", None),
        ],
    ),
    "packaging-paper": (
        "新型包装纸",
        [
            ("原纸与浆料", "upstream", None),
            ("包装纸制造", "midstream", None),
            ("包装制品", "downstream", None),
        ],
    ),
    "lacquerware": (
        "推光漆器",
        [
            ("生漆与木胎", "upstream", None),
            ("漆器制作", "midstream", None),
            ("文创与销售", "downstream", None),
        ],
    ),
}

PROMOTION_METHODS = [
    ("industry-chain", "产业链招商"),
    ("business-referral", "以商招商"),
    ("small-team", "小分队招商"),
    ("resident-office", "驻点招商"),
    ("commissioned", "委托招商"),
    ("expo", "展会招商"),
    ("platform", "平台招商"),
    ("fund", "基金招商"),
    ("market-based", "市场化招商"),
]
