"""The daily digest reaches a real SMTP server (aiosmtpd on 127.0.0.1) with the person's items,
only in their scope; the delivery table retries a failed send and never sends one twice; opt-outs
and the bell."""

import datetime as dt
import socket
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone

from lights import services as light_services
from lights.models import SupervisionItem
from notifications import services
from notifications.models import Delivery, Kind
from projects.models import Stage
from tests.factories import make_project

pytestmark = pytest.mark.django_db
D = dt.date


class Sink:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    sink.controller = controller
    yield sink
    if sink.controller is not None:
        sink.controller.stop()


def _text(message) -> str:
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    return str(make_header(decode_header(message["Subject"]))) + "\n" + body


def _to(message) -> str:
    return message["To"]


@pytest.fixture
def people(reference_data, demo_users):
    for name in ("yuci_staff", "taigu_staff", "city_staff", "yuci_official"):
        demo_users[name].email = f"{name}@example.gov.cn"
        demo_users[name].save(update_fields=["email"])
    make_project(
        by=demo_users["yuci_staff"],
        stage=Stage.SIGNED,
        signed_on=D(2023, 2, 3),
        name="榆次未开工项目",
    )
    make_project(
        by=demo_users["taigu_staff"],
        region_code="140703",
        stage=Stage.SIGNED,
        signed_on=D(2023, 2, 3),
        name="太谷未开工项目",
    )
    light_services.lights_refresh()
    # The red light's 督办 item in 榆次区 is overdue (the 太谷区 one is not yet due).
    SupervisionItem.objects.filter(project__name="榆次未开工项目").update(
        due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    return demo_users


def test_digest_arrives_with_the_right_items_and_only_the_recipients_scope(smtp, people):
    assert services.digests_write() >= 3
    assert services.deliveries_send() >= 3
    by_to = {_to(m): _text(m) for m in smtp.messages}
    yuci = by_to["yuci_staff@example.gov.cn"]
    assert "晋中招商系统每日提醒" in yuci
    assert "榆次未开工项目" in yuci and "太谷未开工项目" not in yuci
    assert "红灯:榆次未开工项目" in yuci and "督办逾期:榆次未开工项目" in yuci
    taigu = by_to["taigu_staff@example.gov.cn"]
    assert "太谷未开工项目" in taigu and "榆次未开工项目" not in taigu
    city = by_to["city_staff@example.gov.cn"]
    assert "太谷未开工项目" in city and "榆次未开工项目" in city


def test_a_digest_is_written_and_sent_once_per_person_and_day(smtp, people):
    services.digests_write()
    services.digests_write()
    services.deliveries_send()
    services.deliveries_send()
    to = [_to(m) for m in smtp.messages]
    assert len(to) == len(set(to)) == Delivery.objects.filter(status="sent").count()


def test_a_failed_send_is_kept_and_retried_until_it_goes_out(smtp, people, settings):
    services.digests_write()
    smtp.controller.stop()  # the mail server is down
    port, smtp.controller = smtp.controller.port, None
    assert services.deliveries_send() == 0
    waiting = Delivery.objects.get(user=people["yuci_staff"])
    assert waiting.status == "pending" and waiting.attempts == 1 and waiting.last_error
    smtp.controller = Controller(smtp, hostname="127.0.0.1", port=port)  # and back
    smtp.controller.start()
    assert services.deliveries_send() == 0  # not due yet: backoff
    later = timezone.now() + dt.timedelta(hours=2)
    assert services.deliveries_send(now=later) >= 3
    waiting.refresh_from_db()
    assert waiting.status == "sent" and waiting.attempts == 2
    assert [_to(m) for m in smtp.messages].count("yuci_staff@example.gov.cn") == 1


def test_opting_out_of_red_lights_leaves_them_out(smtp, people, client):
    client.force_login(people["yuci_staff"])
    keep = [k for k in Kind.values if k != Kind.RED_LIGHTS]
    client.post(reverse("notifications:settings"), {"receive": keep})
    services.digests_write()
    services.deliveries_send()
    yuci = next(_text(m) for m in smtp.messages if _to(m) == "yuci_staff@example.gov.cn")
    assert "红灯:" not in yuci and "督办" in yuci
    page = client.get(reverse("profile")).text
    assert 'value="red_lights"' in page and 'value="red_lights" checked' not in page


def test_bell_counts_unread_and_opening_it_reads_them(people, client):
    client.force_login(people["yuci_staff"])
    page = client.get(reverse("projects:list")).text
    assert reverse("notifications:unread") in page  # the page asks for the count once loaded
    assert 'data-testid="bell-unread"' in client.get(reverse("notifications:unread")).text
    inbox = client.get(reverse("notifications:inbox")).text
    assert "榆次未开工项目" in inbox and "太谷未开工项目" not in inbox
    assert 'data-testid="bell-unread"' not in client.get(reverse("notifications:unread")).text


class Robot:
    """A 企业微信 / 钉钉 group robot on 127.0.0.1: records what it accepts, answers like the real one
    ({"errcode": 0}), or fails while `down` (HTTP 500) or `refuse` (errcode 310000)."""

    def __init__(self) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        robot = self
        self.posts: list[dict] = []
        self.down = self.refuse = False

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if robot.down:
                    self.send_response(500)
                    self.end_headers()
                    return
                if not robot.refuse:
                    robot.posts.append({"path": self.path, "json": json.loads(body)})
                answer = (
                    {"errcode": 310000, "errmsg": "keywords not in content"}
                    if robot.refuse
                    else {"errcode": 0, "errmsg": "ok"}
                )
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot(settings):
    found = Robot()
    settings.WEBHOOK_HOSTS = {"wecom": ["127.0.0.1"], "dingtalk": ["127.0.0.1"]}
    yield found
    found.stop()


def test_a_webhook_robot_gets_the_digest_as_a_text_message_with_retry(smtp, people, robot, client):
    """企业微信 and 钉钉 robots: through the same delivery table, their documented text message,
    retried when the robot is down or refuses, never sent twice."""
    client.force_login(people["yuci_staff"])
    keep = list(Kind.values)
    bad = {"receive": keep, "webhook_channel": "wecom", "webhook_url": "http://10.0.0.1/x"}
    page = client.post(reverse("notifications:settings"), bad, follow=True).text
    assert "不是企业微信群机器人的地址" in page
    url = f"{robot.url}/cgi-bin/webhook/send?key=yuci"
    client.post(
        reverse("notifications:settings"),
        {"receive": keep, "webhook_channel": "wecom", "webhook_url": url},
    )
    services.settings_update(
        user=people["taigu_staff"],
        opted_out=[],
        webhook_channel="dingtalk",
        webhook_url=f"{robot.url}/robot/send?access_token=taigu",
    )
    assert 'value="wecom" selected' in client.get(reverse("profile")).text
    services.digests_write()
    services.digests_write()  # a second run writes nothing
    robot.down = True
    services.deliveries_send()
    waiting = Delivery.objects.get(channel="wecom")
    assert (waiting.status, waiting.attempts, waiting.address) == ("pending", 1, url)
    robot.down, robot.refuse = False, True
    later = timezone.now() + dt.timedelta(hours=2)
    services.deliveries_send(now=later)
    waiting.refresh_from_db()
    assert waiting.status == "pending" and "310000" in waiting.last_error
    robot.refuse = False
    services.deliveries_send(now=later + dt.timedelta(hours=2))
    services.deliveries_send(now=later + dt.timedelta(hours=4))
    by_path = {p["path"]: p["json"] for p in robot.posts}
    assert len(robot.posts) == len(by_path) == 2  # each robot got its digest once
    yuci = by_path["/cgi-bin/webhook/send?key=yuci"]
    assert yuci["msgtype"] == "text" and "榆次未开工项目" in yuci["text"]["content"]
    assert "太谷未开工项目" not in yuci["text"]["content"]
    taigu = by_path["/robot/send?access_token=taigu"]
    assert taigu["msgtype"] == "text" and "太谷未开工项目" in taigu["text"]["content"]
    assert Delivery.objects.filter(channel__in=["wecom", "dingtalk"], status="sent").count() == 2
    # The e-mails went out as before, once each.
    to = [_to(m) for m in smtp.messages]
    assert len(to) == len(set(to))
