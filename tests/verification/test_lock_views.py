"""The locked periods' pages (issue 21): city staff lock through the form; a bad period gets a
Chinese message and saves nothing; unlocking is the city administrator's, with a reason."""

import pytest
from django.test import Client
from django.urls import reverse

from rollups.locks import PeriodLock

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_city_staff_lock_a_quarter_and_only_the_administrator_unlocks_it(demo_users):
    staff = _client(demo_users["city_staff"])
    bad = staff.post(reverse("verification:locks"), {"kind": "quarter", "year": 2023, "number": 5})
    assert "季度应为 1 至 4" in bad.content.decode() and not PeriodLock.objects.exists()
    answer = staff.post(
        reverse("verification:locks"), {"kind": "quarter", "year": 2023, "number": 1}
    )
    lock = PeriodLock.objects.get()
    assert answer["Location"] == reverse("verification:lock_detail", args=[lock.pk])
    assert "已锁定 于" in staff.get(answer["Location"]).content.decode()
    unlock = reverse("verification:lock_unlock", args=[lock.pk])
    assert staff.post(unlock, {"reason": "重算"}).status_code == 403
    admin = _client(demo_users["admin"])
    admin.post(unlock, {"reason": ""})
    assert PeriodLock.objects.get().unlocked_at is None
    admin.post(unlock, {"reason": "重新统计"})
    lock.refresh_from_db()
    assert (lock.unlocked_by, lock.unlock_reason) == (demo_users["admin"], "重新统计")
