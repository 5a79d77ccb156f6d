"""What a browser on a slow phone network gets: compressed pages and scripts, and a tab icon
instead of a 404 on /favicon.ico."""

import gzip
import re
from pathlib import Path

import pytest
from django.test import Client, override_settings


@pytest.mark.django_db
def test_pages_are_sent_gzip_compressed():
    response = Client().get("/accounts/login/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert b"id_username" in gzip.decompress(response.content)


@pytest.mark.django_db
def test_logged_in_pages_are_sent_gzip_compressed(demo_users):
    client = Client()
    client.force_login(demo_users["city_staff"])
    response = client.get("/projects/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"


@pytest.mark.django_db
def test_make_run_sends_static_files_compressed():
    """Under `make run` (DEBUG, whitenoise serving static/ as it is, with no .gz copies) the big
    chart library still goes out compressed."""
    with override_settings(DEBUG=True, WHITENOISE_AUTOREFRESH=True, WHITENOISE_USE_FINDERS=True):
        response = Client().get(
            "/static/vendor/echarts/echarts.min.js", HTTP_ACCEPT_ENCODING="gzip"
        )
        body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    plain = gzip.decompress(body)
    assert len(body) < len(plain) / 2


@pytest.mark.django_db
def test_favicon_ico_leads_to_the_site_icon():
    response = Client().get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].startswith("/static/")
    icon = Client().get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


@pytest.mark.django_db
def test_pages_name_their_icon():
    html = Client().get("/accounts/login/").content.decode()  # not compressed: no Accept-Encoding
    assert re.search(r'<link rel="icon" href="/static/favicon\.[0-9a-f]+\.svg"', html)


def test_collected_assets_get_brotli_copies_smaller_than_gzip(tmp_path):
    """The chart library, the biggest file a dashboard loads, goes out as Brotli at its best
    quality; the admin's and API docs' files are compressed quickly; source maps not at all."""
    from django.conf import settings

    from core.staticfiles import BEST, FAST, StaticFilesStorage

    source = Path(settings.BASE_DIR) / "static" / "vendor" / "echarts" / "echarts.min.js"
    ours = tmp_path / "vendor" / "echarts.min.js"
    theirs = tmp_path / "admin" / "x.js"
    for path in (ours, theirs):
        path.parent.mkdir(parents=True)
        path.write_bytes(source.read_bytes())
    with override_settings(STATIC_ROOT=tmp_path):
        compressor = StaticFilesStorage().create_compressor(extensions=None, quiet=True)
        compressor.compress(str(ours))
        assert compressor.quality == BEST
        compressor.compress(str(theirs))
        assert compressor.quality == FAST
        assert not compressor.should_compress("x.js.map")
    br, gz = Path(f"{ours}.br").stat().st_size, Path(f"{ours}.gz").stat().st_size
    assert br < gz * 0.9
    assert Path(f"{theirs}.br").stat().st_size < Path(f"{theirs}.gz").stat().st_size
