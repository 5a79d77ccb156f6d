"""On the embedded default (SQLite, what `make run` starts) the dashboards' plain statements give
dates as text, converted to dates by dashboards.reads.fetch; a project's name is text whatever it
looks like. A project named like a date shows its name in 重点项目, not a date."""

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import embedded_env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
RUN = """
from django.contrib.auth import get_user_model
from django.urls import resolve
from core.models import Region
from core.periods import Period
from dashboards import sections
from projects.models import Project

user = get_user_model().objects.get(username="city_staff")
year = Project.objects.filter(signed_on__isnull=False).latest("signed_on").signed_on.year
period = Period.of_year(year)
first = sections.top_projects(period=period, region=None, user=user)["items"][0]
pk = resolve(first["url"]).kwargs["pk"]
Project.objects.filter(pk=pk).update(name="2024-05-01")
again = sections.top_projects(period=period, region=None, user=user)["items"][0]
print(repr((type(again["name"]).__name__, again["name"], type(again["signed_on"]).__name__)))
"""


def test_a_project_named_like_a_date_keeps_its_name_on_sqlite(tmp_path, embedded_demo_file):
    shutil.copyfile(embedded_demo_file, tmp_path / "db.sqlite3")
    done = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "shell", "-c", RUN],
        cwd=BASE_DIR,
        env=embedded_env(SQLITE_PATH=str(tmp_path / "db.sqlite3")),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert done.stdout.strip().splitlines()[-1] == "('str', '2024-05-01', 'date')"
