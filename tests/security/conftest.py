"""Objects of two counties, open and confidential, for the scoping and permission tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.services import attachment_add
from core.models import Region
from enterprises.services import enterprise_create
from projects.services import project_create

# Unique words in each object's name: a page that shows a word its user may not see leaks data.
MARKERS = {
    "yuci_open": "MXYUCIOPEN",
    "yuci_secret": "MXYUCISECRET",
    "taigu_open": "MXTAIGUOPEN",
    "taigu_secret": "MXTAIGUSECRET",
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _short_worker_ping(settings):
    """/healthz waits its whole ping timeout for workers that may not run here (the matrix calls
    it once per role): status, not the wait, is what these tests check."""
    settings.HEALTHZ_CELERY_TIMEOUT = 0.2


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Seven demo users per test: PBKDF2's deliberate slowness would dominate the matrix's run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pdf_upload(name: str = "contract.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def county_objects(demo_users, settings, tmp_path):
    """Four projects (榆次 / 太谷, open / confidential), an enterprise per county, one attachment per
    project; returns {"project": {variant: obj}, "enterprise": {...}, "attachment": {...}}."""
    settings.MEDIA_ROOT = tmp_path / "media"
    yuci = Region.objects.get(code="140702")
    taigu = Region.objects.get(code="140703")
    investor = enterprise_create(name="矩阵测试外地投资有限公司")
    enterprises = {
        "yuci_open": enterprise_create(name="MXYUCIENT榆次本地企业", region=yuci, is_local=True),
        "taigu_open": enterprise_create(name="MXTAIGUENT太谷本地企业", region=taigu, is_local=True),
    }
    projects = {}
    for variant, marker in MARKERS.items():
        region = yuci if variant.startswith("yuci") else taigu
        projects[variant] = project_create(
            by=None,
            name=f"{marker}项目",
            investor=investor,
            region=region,
            planned_investment=Decimal("1000"),
            registered_on=dt.date(2023, 1, 5),
            is_confidential=variant.endswith("secret"),
        )
    attachments = {
        variant: attachment_add(record=project, upload=pdf_upload(), by=None)
        for variant, project in projects.items()
    }
    from enterprises.models import IndustrialPark

    parks = {
        "yuci_open": IndustrialPark.objects.create(name="MXYUCIPARK园区", region=yuci),
        "taigu_open": IndustrialPark.objects.create(name="MXTAIGUPARK园区", region=taigu),
    }
    objects = _LazyObjects(
        {
            "project": projects,
            "enterprise": {**enterprises, "investor": investor},
            "park": parks,
            "attachment": attachments,
            "investor": investor,
        }
    )
    by = demo_users["city_staff"]
    events = lambda: _event_objects(projects, yuci, taigu)  # noqa: E731
    chains = lambda: (objects["event"], _chain_objects(projects))[1]  # noqa: E731 (after signings)
    records = lambda: _project_records(projects, by)  # noqa: E731
    imports = lambda: _import_batches(demo_users)  # noqa: E731
    objects.builders.update(
        dict.fromkeys(["event", "event_attachment", "signing"], events)
        | dict.fromkeys(["chain", "target", "chain_link"], chains)
        | dict.fromkeys(["followup", "funds"], records)
        | {"import": imports}
        | {"supervision": lambda: _supervision_items(projects)}
        | {"savedview": lambda: _saved_views(demo_users)}
        | {"claim": lambda: _claims(objects["funds"])}
        | {"report_document": lambda: {"report_document": {"shared": _report_document()}}}
        | {"lock": lambda: {"lock": {"shared": _period_lock(by)}}}
    )
    objects["factories"] = {
        "event_attachment": lambda variant: event_attachment_add(
            event=objects["event"][variant], upload=pdf_upload("photo.pdf"), by=None
        ),
    }
    return objects


class _LazyObjects(dict):
    """The projects, enterprises, parks and attachments at once; the other kinds (events, chains,
    follow-ups, import batches) built the first time a test asks for them, so a test that needs
    only projects does not pay for them."""

    def __init__(self, initial: dict):
        super().__init__(initial)
        self.builders: dict = {}

    def __missing__(self, kind: str):
        if kind not in self.builders:
            raise KeyError(kind)
        self.update(self.builders[kind]())
        return self[kind]


def _chain_objects(projects: dict) -> dict:
    """Every test project sits on one chain link (two of them producing, so the map fills); a target
    of that link is converted into the confidential 太谷 project, whose name the targets page must
    mask for anyone who may not see it."""
    from chains.models import ChainTarget
    from core.models import ChainLink
    from projects.models import Project, Stage

    link = ChainLink.objects.select_related("chain").order_by("chain__sort_order", "pk").first()
    for variant, project in projects.items():
        stage = Stage.PRODUCING if variant.endswith("open") else Stage.SIGNED
        Project.objects.filter(pk=project.pk).update(chain=link.chain, chain_link=link, stage=stage)
    targets = {
        "open": ChainTarget.objects.create(link=link, name="MXTARGET矩阵目标企业"),
        "taigu_secret": ChainTarget.objects.create(
            link=link,
            name="MXTARGETCONVERTED已转化目标",
            status=ChainTarget.Status.CONVERTED,
            project=projects["taigu_secret"],
        ),
    }
    return {"chain": {"shared": link.chain}, "target": targets, "chain_link": {"shared": link}}


def _event_objects(projects: dict, yuci, taigu) -> dict:
    """An event organised by each county (events are public news), each with signings of that
    county's open and confidential projects, the confidential one also negotiated and started at a
    「三个一批」 ceremony; plus an attachment each."""
    from events.models import EventKind
    from events.services import event_batch_record, event_create, signing_record

    kind, _created = EventKind.objects.get_or_create(
        code="mx-batch", defaults={"name": "矩阵三个一批", "is_batch": True}
    )
    events = {}
    for variant, region in (("yuci_open", yuci), ("taigu_open", taigu)):
        county = variant.split("_")[0]
        secret = projects[f"{county}_secret"]
        event = event_create(
            by=None,
            kind=kind,
            title=f"MXEVENT{county.upper()}活动",
            start_on=dt.date(2023, 3, 1),
            place_city="晋中",
            organisers=[region],
            projects_negotiated=[secret],
        )
        for project_variant in (f"{county}_open", f"{county}_secret"):
            signing_record(
                by=None,
                project=projects[project_variant],
                signed_on=dt.date(2023, 3, 1),
                event=event,
                amount=Decimal("100"),
            )
        event_batch_record(event=event, by=None, milestone="started", projects=[secret])
        events[variant] = event
    attachments = {
        variant: event_attachment_add(event=event, upload=pdf_upload("photo.pdf"), by=None)
        for variant, event in events.items()
    }
    from events.models import Signing

    signings = {
        variant: Signing.objects.filter(project=project).first()
        for variant, project in projects.items()
    }
    return {"event": events, "event_attachment": attachments, "signing": signings}


def event_attachment_add(*, event, upload, by):
    from events.services import attachment_add as add

    return add(event=event, by=by, file=upload, description="")


def _project_records(projects: dict, by) -> dict:
    """A follow-up and a month's funds in place per project, named with the project's marker."""
    from projects.services import followup_record, funds_record

    followups, funds = {}, {}
    for variant, project in projects.items():
        followups[variant] = followup_record(
            project=project,
            by=by,
            kind="visit",
            happened_on=dt.date(2023, 2, 1),
            summary=f"{MARKERS[variant]}跟进",
        )
        funds[variant] = funds_record(
            project=project,
            month=dt.date(2023, 2, 1),
            amount=Decimal("10"),
            by=by,
            note=f"{MARKERS[variant]}到位",
        )
    return {"followup": followups, "funds": funds}


def _claims(funds: dict) -> dict:
    """Evidence (a bank voucher) on each project's funds month: a pending claim per project."""
    from verification.services import evidence_add

    claims = {}
    for variant, record in funds.items():
        attachment = evidence_add(
            kind="funds", record=record, upload=pdf_upload("voucher.pdf"), by=None
        )
        claims[variant] = attachment.record
    return {"claim": claims}


def _import_batches(users: dict) -> dict:
    """A checked ledger batch uploaded by each county's staff and by city staff; each has an error
    row, so confirming it imports nothing. Its preview names the uploader's confidential project."""
    from imports.models import ImportBatch

    batches = {}
    for uploader, marker in (
        ("yuci_staff", MARKERS["yuci_secret"]),
        ("taigu_staff", MARKERS["taigu_secret"]),
        ("city_staff", "MXCITYBATCH"),
    ):
        batches[uploader] = ImportBatch.objects.create(
            kind="projects",
            status=ImportBatch.Status.PREVIEWED,
            filename=f"{uploader}.xlsx",
            file_data=b"",
            row_count=1,
            created_by=users[uploader],
            summary={"error": 1},
            preview=[
                {
                    "row": 2,
                    "action": "error",
                    "errors": [["name", "MX matrix error"]],
                    "label": f"{marker}项目",
                }
            ],
        )
    return {"import": batches}


def _supervision_items(projects: dict) -> dict:
    """A 督办 item per project, its instruction named with the project's marker."""
    from lights.services import supervision_open

    return {
        "supervision": {
            variant: supervision_open(
                project=project,
                by=None,
                due_on=dt.date(2027, 1, 31),
                instruction=f"{MARKERS[variant]}督办",
            )
            for variant, project in projects.items()
        }
    }


def _saved_views(users: dict) -> dict:
    """榆次 staff's private and region-shared views, and city staff's view shared with the city.
    Their filters name the confidential projects' markers: opening one never shows those."""
    from savedviews.services import saved_view_create

    def make(owner: str, name: str, sharing: str):
        return saved_view_create(
            by=users[owner],
            list_name="projects",
            name=name,
            query=f"q={MARKERS['taigu_secret']}",
            sharing=sharing,
        )

    return {
        "savedview": {
            "yuci_private": make("yuci_staff", "矩阵私人视图", "private"),
            "yuci_region": make("yuci_staff", "矩阵榆次视图", "region"),
            "city_shared": make("city_staff", "矩阵全市视图", "city"),
        }
    }


def _period_lock(by):
    """A locked quarter (issue 21): city-wide, its pages are city staff's."""
    from rollups.locks import period_lock

    return period_lock(kind="quarter", year=2023, number=1, by=by)


def _report_document():
    """A generated 通报 in the archive: city-wide, every person reads it (the API: every caller)."""
    from scoring.models import ReportDocument

    return ReportDocument.objects.create(
        kind="bulletin",
        year=2023,
        period="q1",
        title="通报",
        filename="通报.docx",
        content=b"PK",
        sha256="0" * 64,
    )
