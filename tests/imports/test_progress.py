"""Progress reports are throttled: the first, then at most one per interval, and always the last."""

from types import SimpleNamespace

from imports import services


def test_progress_writes_first_last_and_at_most_one_per_interval(monkeypatch):
    writes = []
    monkeypatch.setattr(services.cache, "set", lambda key, value, timeout: writes.append(value))
    clock = [100.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: clock[0])
    set_progress = services._progress_setter(SimpleNamespace(pk=7), "import")

    for done in range(100, 1000, 100):  # a burst: only the first goes out
        set_progress(done, 1000)
    assert [w["done"] for w in writes] == [100]

    clock[0] += services.PROGRESS_INTERVAL_S
    set_progress(950, 1000)
    set_progress(960, 1000)
    set_progress(1000, 1000)  # the last always goes out
    assert writes == [
        {"done": 100, "total": 1000, "phase": "import"},
        {"done": 950, "total": 1000, "phase": "import"},
        {"done": 1000, "total": 1000, "phase": "import"},
    ]
