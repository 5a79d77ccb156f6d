"""Demo data for the industry-chain map: who sits on the new-energy-vehicle and special-steel chains,
Geely's and Antai's suppliers, gap targets, and the methanol programme's "11155" indicators.

From the source article: Geely's Jinzhong base is the provincial chain leader (链主) of new-energy
vehicles; its park, 晋中新能源汽车产业园, holds 27 enterprises and 60 related supporting enterprises;
Antai Group is the provincial 链核 of special steel and a municipal chain leader; the methanol
programme "11155" aims within three years at 100万吨 green methanol, 10万辆 methanol cars, 100 filling
stations, 5万 heavy trucks a year and 5 methanol towns; 500 methanol heavy trucks were delivered in
2022. The other enterprise names, suppliers, dates and readings are invented (marked 演示数据).

The enterprises and parks of the article are created by demo/projects_demo.py; they are looked up by
name here and only created when missing (so this loader also runs on its own, e.g. in tests).
Two links of the NEV chain stay gaps on purpose (充换电与加注, 电池回收利用), with targets.
Idempotent: everything is looked up by a natural key first.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from chains import services as chain_services
from chains.models import ChainIndicator, ChainTarget
from core.models import ChainLink, IndustryChain, Region
from demo.identity import with_identity
from enterprises import services as enterprise_services
from enterprises.models import ChainLeaderRole, Enterprise, IndustrialPark, SupplierLink

D = dt.date
User = get_user_model()
NOTE = "演示数据:名称与配套关系为示意。"
NEV_PARK = "晋中新能源汽车产业园"
STEEL_PARK = "绿色精品特钢零碳产业园"
GEELY = "吉利汽车晋中基地"
ANTAI = "山西安泰集团股份有限公司"

# The 26 other enterprises of the NEV park (27 with Geely): (name, link, supplies Geely since)
NEV_PARK_ENTERPRISES = [
    ("晋中锂能动力电池有限公司", "动力电池", D(2018, 5, 1)),
    ("山西晋锂电池材料有限公司", "动力电池", D(2020, 3, 1)),
    ("晋中储能电池系统有限公司", "动力电池", D(2022, 6, 1)),
    ("晋中驱动电机有限公司", "电机电控", D(2019, 4, 1)),
    ("山西电控科技有限公司", "电机电控", D(2021, 8, 1)),
    ("晋中电驱总成有限公司", "电机电控", D(2023, 2, 1)),
    ("晋中汽车冲压件有限公司", "车身与底盘", D(2016, 9, 1)),
    ("晋中车身焊装有限公司", "车身与底盘", D(2016, 9, 1)),
    ("山西轻量化底盘有限公司", "车身与底盘", D(2018, 7, 1)),
    ("晋中汽车涂装有限公司", "车身与底盘", D(2017, 3, 1)),
    ("晋中悬架系统有限公司", "车身与底盘", D(2020, 9, 1)),
    ("晋中车载电子有限公司", "汽车电子", D(2019, 10, 1)),
    ("山西汽车线束有限公司", "汽车电子", D(2016, 9, 1)),
    ("晋中智能座舱科技有限公司", "汽车电子", D(2022, 4, 1)),
    ("晋中汽车照明有限公司", "汽车电子", D(2021, 5, 1)),
    ("晋中汽车座椅有限公司", "汽车零部件", D(2016, 9, 1)),
    ("晋中汽车内饰件有限公司", "汽车零部件", D(2017, 6, 1)),
    ("山西汽车空调有限公司", "汽车零部件", D(2019, 2, 1)),
    ("晋中汽车轮毂有限公司", "汽车零部件", D(2020, 11, 1)),
    ("晋中汽车玻璃有限公司", "汽车零部件", D(2018, 3, 1)),
    ("晋中汽车密封件有限公司", "汽车零部件", D(2022, 9, 1)),
    ("晋中远程新能源商用车有限公司", "商用车", D(2022, 1, 1)),
    ("晋中新能源专用车有限公司", "专用车", D(2021, 6, 1)),
    ("晋中汽车物流有限公司", "销售与后市场", D(2016, 9, 1)),
    ("晋中新能源汽车销售服务有限公司", "销售与后市场", D(2017, 1, 1)),
    ("晋中汽车检测服务有限公司", "销售与后市场", D(2023, 3, 1)),
]
# Local suppliers of Geely outside the park: (name, region code, park or None, link, since)
NEV_LOCAL_ELSEWHERE = [
    ("太谷精密铸件有限公司", "140703", "太谷玛钢特色专业镇", "车身与底盘", D(2019, 5, 1)),
    ("太谷汽车管件有限公司", "140703", "太谷玛钢特色专业镇", "汽车零部件", D(2021, 3, 1)),
    ("祁县汽车玻璃深加工有限公司", "140727", "祁县玻璃器皿特色专业镇", "汽车零部件", D(2020, 7, 1)),
    ("介休汽车用钢有限公司", "140781", None, "车身与底盘", D(2018, 9, 1)),
    ("榆次汽车橡塑件有限公司", "140702", None, "汽车零部件", D(2017, 8, 1)),
    ("榆次汽车紧固件有限公司", "140702", None, "车身与底盘", D(2022, 2, 1)),
    ("寿阳汽车电机配件有限公司", "140725", None, "电机电控", D(2023, 1, 1)),
    ("榆社汽车包装有限公司", "140721", None, "销售与后市场", D(2019, 1, 1)),
    ("平遥汽车内饰织物有限公司", "140728", None, "汽车零部件", D(2021, 10, 1)),
    ("灵石汽车铝材有限公司", "140729", None, "车身与底盘", D(2023, 5, 1)),
]
# Geely's suppliers outside Jinzhong: (name, province, city, link, since)
NEV_OUTSIDE = [
    ("宁德锂电芯科技有限公司", "福建省", "宁德", "动力电池", D(2016, 9, 1)),
    ("常州动力电池系统有限公司", "江苏省", "常州", "动力电池", D(2017, 4, 1)),
    ("合肥电池材料有限公司", "安徽省", "合肥", "动力电池", D(2019, 6, 1)),
    ("深圳电驱动系统有限公司", "广东省", "深圳", "电机电控", D(2016, 9, 1)),
    ("宁波电机有限公司", "浙江省", "宁波", "电机电控", D(2016, 9, 1)),
    ("上海电控单元有限公司", "上海市", "上海", "电机电控", D(2017, 2, 1)),
    ("上海车规芯片有限公司", "上海市", "上海", "汽车电子", D(2016, 9, 1)),
    ("苏州汽车传感器有限公司", "江苏省", "苏州", "汽车电子", D(2016, 9, 1)),
    ("深圳车载显示有限公司", "广东省", "深圳", "汽车电子", D(2018, 1, 1)),
    ("武汉智能驾驶科技有限公司", "湖北省", "武汉", "汽车电子", D(2021, 1, 1)),
    ("宁波汽车压铸有限公司", "浙江省", "宁波", "车身与底盘", D(2016, 9, 1)),
    ("天津转向系统有限公司", "天津市", "天津", "车身与底盘", D(2016, 9, 1)),
    ("长春制动系统有限公司", "吉林省", "长春", "车身与底盘", D(2016, 9, 1)),
    ("台州汽车零部件有限公司", "浙江省", "台州", "汽车零部件", D(2016, 9, 1)),
    ("杭州汽车热管理有限公司", "浙江省", "杭州", "汽车零部件", D(2017, 5, 1)),
    ("福耀式汽车玻璃(福清)有限公司", "福建省", "福清", "汽车零部件", D(2016, 9, 1)),
    ("青岛轮胎有限公司", "山东省", "青岛", "汽车零部件", D(2016, 9, 1)),
    ("重庆汽车轴承有限公司", "重庆市", "重庆", "汽车零部件", D(2016, 9, 1)),
    ("广州汽车灯具有限公司", "广东省", "广州", "汽车电子", D(2016, 9, 1)),
    ("北京汽车软件有限公司", "北京市", "北京", "汽车电子", D(2020, 4, 1)),
    ("郑州汽车空调压缩机有限公司", "河南省", "郑州", "汽车零部件", D(2016, 9, 1)),
    ("西安汽车线控底盘有限公司", "陕西省", "西安", "车身与底盘", D(2022, 8, 1)),
    ("无锡汽车电子有限公司", "江苏省", "无锡", "汽车电子", D(2016, 9, 1)),
    ("柳州汽车减震器有限公司", "广西壮族自治区", "柳州", "车身与底盘", D(2016, 9, 1)),
]
# Antai's suppliers: (name, region code or None, province/city if outside, link, since, local)
ANTAI_SUPPLIERS = [
    ("介休焦化有限公司", "140781", "", "焦炭与铁矿", D(2015, 1, 1)),
    ("灵石焦炭有限公司", "140729", "", "焦炭与铁矿", D(2016, 1, 1)),
    ("介休石灰石矿业有限公司", "140781", "", "焦炭与铁矿", D(2019, 1, 1)),
    ("邯郸铁矿石贸易有限公司", None, "邯郸", "焦炭与铁矿", D(2015, 1, 1)),
    ("唐山铁精粉有限公司", None, "唐山", "焦炭与铁矿", D(2015, 1, 1)),
    ("济源合金材料有限公司", None, "济源", "冶炼", D(2018, 1, 1)),
    ("巩义耐火材料有限公司", None, "巩义", "冶炼", D(2017, 1, 1)),
]
OUTSIDE_PROVINCE = {"邯郸": "河北省", "唐山": "河北省", "济源": "河南省", "巩义": "河南省"}

# Local enterprises of the specialty towns and other chains: (name, region, park, chain, link)
OTHER_LOCALS = [
    ("平遥牛肉集团有限公司", "140728", "平遥牛肉特色专业镇", "agri-food", "精深加工"),
    ("平遥肉牛养殖专业合作社", "140728", "平遥牛肉特色专业镇", "agri-food", "种养基地"),
    ("太谷玛钢铸造有限公司", "140703", "太谷玛钢特色专业镇", "malleable-iron", "铸造"),
    ("太谷管件阀门有限公司", "140703", "太谷玛钢特色专业镇", "malleable-iron", "管件阀门"),
    ("祁县玻璃器皿制品有限公司", "140727", "祁县玻璃器皿特色专业镇", "glassware", "玻璃器皿制造"),
    ("祁县玻璃彩绘工艺有限公司", "140727", "祁县玻璃器皿特色专业镇", "glassware", "深加工与彩绘"),
    ("祁县玻璃器皿外贸有限公司", "140727", "祁县玻璃器皿特色专业镇", "glassware", "包装与外贸"),
    ("平遥推光漆器工艺有限公司", "140728", "平遥推光漆器特色专业镇", "lacquerware", "漆器制作"),
]

# Gap targets (招商目标清单): (chain, link, name, origin, priority, notes)
TARGETS = [
    (
        "nev",
        "充换电与加注",
        "青岛智充新能源科技有限公司",
        "山东青岛",
        1,
        "充电桩运营商,可配套园区及全市公共充电网络。",
    ),
    ("nev", "充换电与加注", "上海换电能源科技有限公司", "上海", 1, "换电站,与吉利换电车型配套。"),
    ("nev", "充换电与加注", "常州星桩数字能源有限公司", "江苏常州", 2, "充电设备制造。"),
    ("nev", "电池回收利用", "深圳循环材料股份有限公司", "广东深圳", 1, "动力电池梯次利用与再生。"),
    ("nev", "电池回收利用", "佛山邦循科技有限公司", "广东佛山", 2, "电池回收拆解。"),
    ("nev", "汽车电子", "上海车规芯片有限公司", "上海", 2, "已是吉利供应商,争取在晋中设厂(延链)。"),
    ("special-steel", "标准件", "邯郸紧固件集团有限公司", "河北邯郸", 1, "介休开发区赴邯郸对接。"),
    ("special-steel", "金属制品", "巩义金属制品有限公司", "河南巩义", 2, "赴巩义对接。"),
    ("methanol", "甲醇储运", "宁波甲醇物流有限公司", "浙江宁波", 2, ""),
    ("glassware", "模具", "佛山玻璃模具有限公司", "广东佛山", 2, "祁县赴京推介会对接。"),
    ("malleable-iron", "五金出口", "宁波五金进出口有限公司", "浙江宁波", 3, ""),
]

# 甲醇经济 “11155” within three years (2023–2025): (name, unit, target, sort)
METHANOL_11155 = [
    ("绿色甲醇制备", "万吨", "100", 1),
    ("甲醇乘用车", "万辆", "10", 2),
    ("甲醇加注站", "座", "100", 3),
    ("甲醇重卡年产", "万台", "5", 4),
    ("甲醇小镇", "个", "5", 5),
]
# (indicator, year, value, note)
METHANOL_READINGS = [
    ("甲醇重卡年产", 2022, "0.05", "2022年晋中首批500台甲醇重卡集中交付;年产1万台生产线下线。"),
    ("甲醇重卡年产", 2023, "0.3", "演示数据"),
    ("绿色甲醇制备", 2023, "20", "演示数据"),
    ("甲醇乘用车", 2023, "1.2", "演示数据"),
    ("甲醇加注站", 2022, "12", "演示数据"),
    ("甲醇加注站", 2023, "28", "演示数据"),
    ("甲醇小镇", 2023, "1", "演示数据"),
]


class _Refs:
    def __init__(self) -> None:
        self.regions = {r.code: r for r in Region.objects.all()}
        self.chains = {c.code: c for c in IndustryChain.objects.all()}
        self.links = {
            (lk.chain.code, lk.name): lk for lk in ChainLink.objects.select_related("chain")
        }

    def park(self, name: str | None, region_code: str, chain: str) -> IndustrialPark | None:
        if not name:
            return None
        park = IndustrialPark.objects.filter(name=name).first()
        if park is None:  # normally created by projects_demo
            kind = "specialty_town" if name.endswith("镇") else "park"
            park = enterprise_services.park_save(
                park=IndustrialPark(name=name, kind=kind, region=self.regions[region_code])
            )
            park.leading_chains.add(self.chains[chain])
        return park


def _enterprise(name: str, **fields) -> Enterprise:
    """The enterprise of that name, created if missing; a missing main link is filled in."""
    existing = Enterprise.all_objects.filter(name=name).first()
    if existing is None:
        return enterprise_services.enterprise_create(name=name, **with_identity(name, fields))
    updates = {
        k: v
        for k, v in fields.items()
        if k in ("main_link", "main_chain") and v is not None and getattr(existing, k) is None
    }
    if updates:
        enterprise_services.enterprise_update(enterprise=existing, **updates)
    return existing


def _supply(supplier: Enterprise, leader: Enterprise, link: ChainLink, since, local: bool):
    SupplierLink.objects.get_or_create(
        supplier=supplier,
        leader=leader,
        link=link,
        defaults={"is_local": local, "since": since, "notes": "演示数据"},
    )


@transaction.atomic
def load_chains_demo() -> None:
    refs = _Refs()
    nev, steel = refs.chains["nev"], refs.chains["special-steel"]
    jzkfq = refs.regions["JZKFQ"]
    nev_park = refs.park(NEV_PARK, "JZKFQ", "nev")
    steel_park = refs.park(STEEL_PARK, "140781", "special-steel")

    geely = _enterprise(
        GEELY,
        is_local=True,
        region=jzkfq,
        park=nev_park,
        main_chain=nev,
        main_link=refs.links[("nev", "乘用车")],
        investor_origin="in_province",
        ownership="private",
    )
    antai = _enterprise(
        ANTAI,
        is_local=True,
        region=refs.regions["140781"],
        park=steel_park,
        main_chain=steel,
        main_link=refs.links[("special-steel", "精品钢")],
        investor_origin="in_province",
        ownership="private",
    )
    for enterprise, chain, level, kind, since in [
        (geely, nev, "provincial", "leader", D(2022, 1, 1)),
        (antai, steel, "provincial", "core", D(2022, 1, 1)),
        (antai, steel, "municipal", "leader", D(2022, 1, 1)),
    ]:
        ChainLeaderRole.objects.get_or_create(
            enterprise=enterprise,
            chain=chain,
            level=level,
            defaults={"kind": kind, "since": since},
        )

    for name, link_name, since in NEV_PARK_ENTERPRISES:
        link = refs.links[("nev", link_name)]
        e = _enterprise(
            name,
            is_local=True,
            region=jzkfq,
            park=nev_park,
            main_chain=nev,
            main_link=link,
            origin_city="晋中",
            notes=NOTE,
        )
        _supply(e, geely, link, since, True)
    for name, region_code, park_name, link_name, since in NEV_LOCAL_ELSEWHERE:
        link = refs.links[("nev", link_name)]
        e = _enterprise(
            name,
            is_local=True,
            region=refs.regions[region_code],
            park=refs.park(park_name, region_code, "nev"),
            main_chain=nev,
            main_link=link,
            origin_city="晋中",
            notes=NOTE,
        )
        _supply(e, geely, link, since, True)
    for name, province, city, link_name, since in NEV_OUTSIDE:
        link = refs.links[("nev", link_name)]
        e = _enterprise(
            name,
            origin_province=province,
            origin_city=city,
            main_chain=nev,
            main_link=link,
            notes=NOTE,
        )
        _supply(e, geely, link, since, False)
    for name, region_code, city, link_name, since in ANTAI_SUPPLIERS:
        link = refs.links[("special-steel", link_name)]
        local = region_code is not None
        e = _enterprise(
            name,
            is_local=local,
            region=refs.regions[region_code] if local else None,
            origin_province="山西省" if local else OUTSIDE_PROVINCE[city],
            origin_city="晋中" if local else city,
            main_chain=steel,
            main_link=link,
            notes=NOTE,
        )
        _supply(e, antai, link, since, local)

    for name, region_code, park_name, chain_code, link_name in OTHER_LOCALS:
        _enterprise(
            name,
            is_local=True,
            region=refs.regions[region_code],
            park=refs.park(park_name, region_code, chain_code),
            main_chain=refs.chains[chain_code],
            main_link=refs.links[(chain_code, link_name)],
            origin_city="晋中",
            notes=NOTE,
        )

    owner = User.objects.filter(username="city_staff").first()
    for chain_code, link_name, name, origin, priority, notes in TARGETS:
        link = refs.links[(chain_code, link_name)]
        if not ChainTarget.objects.filter(link=link, name=name).exists():
            chain_services.target_create(
                by=None,
                link=link,
                name=name,
                enterprise=Enterprise.objects.filter(name=name).first(),
                origin=origin,
                priority=priority,
                owner=owner,
                notes=f"{notes}(演示数据)" if notes else "演示数据",
            )

    methanol = refs.chains["methanol"]
    indicators: dict[str, ChainIndicator] = {}
    for name, unit, target, order in METHANOL_11155:
        indicators[name] = chain_services.indicator_save(
            by=None,
            chain=methanol,
            programme="甲醇经济“11155”发展目标",
            name=name,
            unit=unit,
            target_value=Decimal(target),
            target_year=2025,
            sort_order=order,
        )
    for name, year, value, note in METHANOL_READINGS:
        chain_services.indicator_reading_record(
            by=None, indicator=indicators[name], year=year, value=Decimal(value), note=note
        )
