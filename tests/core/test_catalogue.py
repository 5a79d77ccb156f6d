"""The Chinese catalogue survives merges: the .po file is merged with git's union driver, which can
leave an entry twice or cut one apart (a `msgctxt` whose msgid went to another entry). Both showed
English in the Chinese UI ("1 projects", "48.00 pts") without a single failing test."""

from pathlib import Path

PO = Path(__file__).resolve().parents[2] / "locale/zh_Hans/LC_MESSAGES/django.po"


def _entries() -> list[tuple[int, str | None, str]]:
    """(line, context, msgid) of every entry, its msgid's first line only (enough to compare)."""
    lines = PO.read_text(encoding="utf-8").splitlines()
    found, context = [], None
    for number, line in enumerate(lines, start=1):
        if line.startswith("msgctxt "):
            following = lines[number] if number < len(lines) else ""
            assert following.startswith("msgid "), f"line {number}: msgctxt without its msgid"
            context = line[len("msgctxt ") :]
        elif line.startswith("msgid "):
            found.append((number, context, line[len("msgid ") :]))
            context = None
    return found


def test_every_entry_is_whole_and_defined_once():
    seen: dict[tuple[str | None, str], int] = {}
    duplicates = []
    for number, context, msgid in _entries():
        key = (context, msgid)
        if msgid != '""' and key in seen:
            duplicates.append(f"line {number}: {msgid} also at line {seen[key]}")
        seen.setdefault(key, number)
    assert not duplicates, duplicates
