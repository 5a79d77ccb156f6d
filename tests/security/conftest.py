"""Objects of two counties, open and confidential, for the scoping and permission tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Region
from core.services import attachment_add
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
    return {
        "project": projects,
        "enterprise": {**enterprises, "investor": investor},
        "park": parks,
        "attachment": attachments,
        "investor": investor,
    }
