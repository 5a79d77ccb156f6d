"""Group robots: a county's own 企业微信 / 钉钉 group gets its region's red lights and 督办 items, a
city-wide robot every region's, through the delivery table, against a real HTTP server on
127.0.0.1; a 钉钉 robot with a secret signs each call (加签); city staff manage them on a page."""

import base64
import hashlib
import hmac
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from notifications import services
from notifications.models import Delivery, GroupRobot
from tests.factories import region
from tests.notifications.test_digest import Robot, people, robot, smtp  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"


def _add(client, **data):
    form = {"name": "", "region": "", "channel": "", "url": "", "secret": "", "is_active": "on"}
    return client.post(reverse("notifications:robots"), {**form, **data}, follow=True)


def _expected_sign(timestamp: str, secret: str) -> str:
    # 钉钉's documented algorithm, written out here (not the service's code).
    key = secret.encode("utf-8")
    mac = hmac.new(key, f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def test_county_and_city_robots_get_their_scope_and_dingtalk_calls_are_signed(
    people,  # noqa: F811
    robot,  # noqa: F811
    client,
):
    client.force_login(people["city_staff"])
    page = _add(
        client,
        name="榆次区招商群",
        region=region("140702").pk,
        channel="wecom",
        url=f"{robot.url}/cgi-bin/webhook/send?key=yuci-group",
    ).text
    assert "已保存群机器人" in page and "榆次区招商群" in page
    _add(
        client,
        name="太谷区招商群",
        region=region("140703").pk,
        channel="dingtalk",
        url=f"{robot.url}/robot/send?access_token=taigu-group",
        secret=SECRET,
    )
    _add(
        client,
        name="市招商中心群",
        channel="dingtalk",
        url=f"{robot.url}/robot/send?access_token=city-group",
    )
    assert GroupRobot.objects.count() == 3
    assert 'value="SEC' not in client.get(reverse("notifications:robots")).text  # never shown

    assert services.robots_write() == 3
    assert services.robots_write() == 0  # once per robot and day
    robot.down = True
    services.deliveries_send()
    assert Delivery.objects.filter(robot__isnull=False, status="pending", attempts=1).count() == 3
    robot.down = False
    before = int(time.time() * 1000)
    services.deliveries_send(now=Delivery.objects.order_by("-next_attempt_at")[0].next_attempt_at)
    after = int(time.time() * 1000)
    by_path = {urlsplit(p["path"]).path + "?" + urlsplit(p["path"]).query: p for p in robot.posts}
    assert len(robot.posts) == 3
    posts = {
        parse_qs(urlsplit(p["path"]).query).get("access_token", ["yuci-group"])[0]: p
        for p in by_path.values()
    }

    yuci = posts["yuci-group"]["json"]["text"]["content"]
    assert "榆次未开工项目" in yuci and "太谷未开工项目" not in yuci
    assert "红灯:榆次未开工项目" in yuci and "督办逾期:榆次未开工项目" in yuci
    taigu = posts["taigu-group"]["json"]["text"]["content"]
    assert "红灯:太谷未开工项目" in taigu and "榆次未开工项目" not in taigu
    city = posts["city-group"]["json"]["text"]["content"]
    assert "太谷未开工项目" in city and "榆次未开工项目" in city

    # 加签: the 钉钉 robot with a secret gets timestamp and sign; the others get neither.
    query = parse_qs(urlsplit(posts["taigu-group"]["path"]).query)
    timestamp = query["timestamp"][0]
    assert before <= int(timestamp) <= after
    assert query["sign"] == [_expected_sign(timestamp, SECRET)]
    raw_sign = urlsplit(posts["taigu-group"]["path"]).query.split("sign=")[1]
    assert not set(raw_sign) & set("+/=")  # urlencoded
    for name in ("yuci-group", "city-group"):
        assert "sign" not in parse_qs(urlsplit(posts[name]["path"]).query)
    assert Delivery.objects.filter(robot__isnull=False, status="sent").count() == 3


def test_bad_robots_are_refused_with_a_message_and_nothing_is_saved(
    people,  # noqa: F811
    robot,  # noqa: F811
    client,
):
    client.force_login(people["city_staff"])
    off_list = _add(client, name="群", channel="wecom", url="http://10.0.0.1/x").text
    assert "不是企业微信群机器人的地址" in off_list
    wecom_secret = _add(
        client,
        name="群",
        channel="wecom",
        url=f"{robot.url}/cgi-bin/webhook/send?key=k",
        secret="x",
    ).text
    assert "只有钉钉机器人" in wecom_secret
    no_name = _add(client, channel="dingtalk", url=f"{robot.url}/robot/send?access_token=t").text
    assert "该字段是必填项" in no_name
    assert not GroupRobot.objects.exists()
    client.force_login(people["yuci_staff"])
    assert client.get(reverse("notifications:robots")).status_code == 403
    refused = _add(client, name="群", channel="wecom", url=f"{robot.url}/cgi-bin/webhook/send?k=1")
    assert refused.status_code == 403 and not GroupRobot.objects.exists()


def test_editing_keeps_or_removes_the_secret_and_a_robot_can_be_removed(
    people,  # noqa: F811
    robot,  # noqa: F811
    client,
):
    client.force_login(people["city_staff"])
    url = f"{robot.url}/robot/send?access_token=t"
    _add(
        client,
        name="太谷区招商群",
        region=region("140703").pk,
        channel="dingtalk",
        url=url,
        secret=SECRET,
    )
    found = GroupRobot.objects.get()
    edit = reverse("notifications:robot_edit", args=[found.pk])
    assert "已保存签名密钥" in client.get(edit).text
    base = {"name": "太谷区群", "region": region("140703").pk, "channel": "dingtalk", "url": url}
    client.post(edit, {**base, "is_active": "on"})
    found.refresh_from_db()
    assert (found.name, found.secret, found.is_active) == ("太谷区群", SECRET, True)
    client.post(edit, {**base, "clear_secret": "on"})
    found.refresh_from_db()
    assert (found.secret, found.is_active) == ("", False)
    assert services.robots_write() == 0  # inactive: nothing written
    client.post(reverse("notifications:robot_delete", args=[found.pk]))
    assert not GroupRobot.objects.exists()
