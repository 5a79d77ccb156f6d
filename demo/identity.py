"""Where a demo enterprise comes from, and a credit code that says so.

A unified social credit code carries the registering authority's administrative division (GB/T
2260) in characters 3-8: a Beijing company's code has 1101xx, a Shenzhen one 440300. A Jinzhong
official reads a Shanghai investor with 140700 in its code as invented, so every demo enterprise
gets the division of the place its name (or its origin) names; an overseas investor has no Chinese
credit code at all. The codes are invented but well formed: the check character is right.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from core.credit_code import ALPHABET, check_character


@dataclass(frozen=True)
class Place:
    name: str  # as names and origin_city use it: 北京, 苏州, 香港
    province: str  # origin_province: 北京市, 江苏省; "" outside mainland China
    division: str  # GB/T 2260 code of a registering authority there; "" outside mainland China
    origin: str  # InvestorOrigin value


def _places() -> dict[str, Place]:
    rows = [
        # 京津冀
        ("北京", "北京市", "110105", "jjj"),  # 朝阳区
        ("天津", "天津市", "120116", "jjj"),  # 滨海新区
        ("河北", "河北省", "130100", "jjj"),
        ("石家庄", "河北省", "130100", "jjj"),
        ("保定", "河北省", "130600", "jjj"),
        ("唐山", "河北省", "130200", "jjj"),
        ("邯郸", "河北省", "130400", "jjj"),
        ("河北邯郸", "河北省", "130400", "jjj"),
        ("安国", "河北省", "130683", "jjj"),
        ("河北安国", "河北省", "130683", "jjj"),
        # 长三角
        ("上海", "上海市", "310115", "yrd"),  # 浦东新区
        ("江苏", "江苏省", "320100", "yrd"),
        ("南京", "江苏省", "320100", "yrd"),
        ("苏州", "江苏省", "320500", "yrd"),
        ("常州", "江苏省", "320400", "yrd"),
        ("江苏常州", "江苏省", "320400", "yrd"),
        ("无锡", "江苏省", "320200", "yrd"),
        ("浙江", "浙江省", "330100", "yrd"),
        ("杭州", "浙江省", "330100", "yrd"),
        ("宁波", "浙江省", "330200", "yrd"),
        ("台州", "浙江省", "331000", "yrd"),
        ("安徽", "安徽省", "340100", "yrd"),
        ("合肥", "安徽省", "340100", "yrd"),
        # 珠三角
        ("广东", "广东省", "440100", "prd"),
        ("广州", "广东省", "440100", "prd"),
        ("深圳", "广东省", "440300", "prd"),
        ("东莞", "广东省", "441900", "prd"),
        ("佛山", "广东省", "440600", "prd"),
        # 省内
        ("山西", "山西省", "140100", "in_province"),
        ("太原", "山西省", "140100", "in_province"),
        ("大同", "山西省", "140200", "in_province"),
        ("长治", "山西省", "140400", "in_province"),
        ("晋城", "山西省", "140500", "in_province"),
        ("晋中", "山西省", "140700", "in_province"),
        # 国内其他地区
        ("河南", "河南省", "410100", "other_domestic"),
        ("郑州", "河南省", "410100", "other_domestic"),
        ("巩义", "河南省", "410181", "other_domestic"),
        ("河南巩义", "河南省", "410181", "other_domestic"),
        ("济源", "河南省", "419001", "other_domestic"),
        ("河南济源", "河南省", "419001", "other_domestic"),
        ("山东", "山东省", "370100", "other_domestic"),
        ("济南", "山东省", "370100", "other_domestic"),
        ("青岛", "山东省", "370200", "other_domestic"),
        ("山东青岛", "山东省", "370200", "other_domestic"),
        ("四川", "四川省", "510100", "other_domestic"),
        ("成都", "四川省", "510100", "other_domestic"),
        ("陕西", "陕西省", "610100", "other_domestic"),
        ("西安", "陕西省", "610100", "other_domestic"),
        ("湖北", "湖北省", "420100", "other_domestic"),
        ("武汉", "湖北省", "420100", "other_domestic"),
        ("内蒙古", "内蒙古自治区", "150100", "other_domestic"),
        ("海南", "海南省", "460100", "other_domestic"),
        ("重庆", "重庆市", "500112", "other_domestic"),
        ("福建", "福建省", "350100", "other_domestic"),
        ("厦门", "福建省", "350200", "other_domestic"),
        ("宁德", "福建省", "350900", "other_domestic"),
        ("福清", "福建省", "350181", "other_domestic"),
        ("吉林", "吉林省", "220100", "other_domestic"),
        ("长春", "吉林省", "220100", "other_domestic"),
        ("广西", "广西壮族自治区", "450100", "other_domestic"),
        ("柳州", "广西壮族自治区", "450200", "other_domestic"),
        # 境外: no Chinese credit code
        ("香港", "", "", "overseas"),
        ("新加坡", "", "", "overseas"),
        ("韩国", "", "", "overseas"),
        ("德国", "", "", "overseas"),
    ]
    return {
        name: Place(name, province, division, origin) for name, province, division, origin in rows
    }


PLACES = _places()
# Division code prefix (the province's two digits) -> province, for the test and for checking.
PROVINCE_OF_DIVISION = {p.division[:2]: p.province for p in PLACES.values() if p.division}
# The place an origin stands for when a name names none (汉麻集团: Beijing).
DEFAULT_PLACE = {
    "jjj": "北京",
    "yrd": "上海",
    "prd": "深圳",
    "in_province": "太原",
    "other_domestic": "成都",
    "overseas": "香港",
}


def place_named_in(name: str) -> Place | None:
    """The place a name starts with (the longest match: 河北邯郸 before 河北), or None."""
    for length in range(min(len(name), 4), 1, -1):
        place = PLACES.get(name[:length])
        if place is not None:
            return place
    return None


def place_of(name: str, origin: str = "", city: str = "") -> Place:
    """Where an outside enterprise comes from: the place its name names, else its city, else
    its origin's."""
    return (
        place_named_in(name)
        or PLACES.get(city.removesuffix("市"))
        or PLACES[DEFAULT_PLACE.get(origin) or "太原"]
    )


# Registering authority and kind (characters 1-2) by what the name says the body is.
_KIND_BY_SUFFIX = [
    ("专业合作社", "93"),  # farmers' cooperative (市场监管, 农民专业合作社)
    ("商会", "51"),  # social organisation (民政, 社会团体)
    ("研究院", "12"),  # public institution (机构编制, 事业单位)
]


def demo_credit_code(name: str, division: str) -> str:
    """An invented but well-formed code: authority and kind (91, a company, unless the name says
    cooperative, chamber or institute), the division, nine characters from the name's hash, and
    the GB 32100 check character."""
    kind = next((k for suffix, k in _KIND_BY_SUFFIX if name.endswith(suffix)), "91")
    digest = hashlib.sha256(name.encode()).digest()
    body = "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:9])
    first17 = f"{kind}{division}{body}"
    return first17 + check_character(first17)


def outside_identity(name: str, origin: str = "", city: str = "") -> dict:
    """Enterprise fields for an investor from outside Jinzhong: origin, province, city and a
    credit code with its home division (none for an overseas investor)."""
    place = place_of(name, origin, city)
    return {
        "investor_origin": place.origin,
        "origin_province": place.province,
        "origin_city": place.name,
        "credit_code": demo_credit_code(name, place.division) if place.division else "",
        "is_local": False,
    }


def local_identity(name: str, region_code: str) -> dict:
    """Enterprise fields for a Jinzhong enterprise: registered in its county (晋中开发区, which
    has no GB/T 2260 code of its own, at the city)."""
    division = region_code if region_code.isdigit() else "140700"
    return {
        "investor_origin": "in_province",
        "origin_province": "山西省",
        "origin_city": "晋中",
        "credit_code": demo_credit_code(name, division),
    }


def with_identity(name: str, fields: dict) -> dict:
    """enterprise_create's fields for a demo enterprise: its origin, province, city and credit
    code filled in (local with a region, else from where its name or city says it is from);
    the fields given win. An overseas investor is foreign-invested."""
    region = fields.get("region")
    if region is not None:
        identity = {**local_identity(name, region.code), "is_local": True}
    else:
        identity = outside_identity(
            name, fields.get("investor_origin", ""), fields.get("origin_city", "")
        )
    identity["ownership"] = "foreign" if identity["investor_origin"] == "overseas" else "private"
    return {**identity, **{k: v for k, v in fields.items() if v != ""}}
