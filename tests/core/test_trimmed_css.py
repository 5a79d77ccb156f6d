"""Tabler's CSS is served trimmed to the classes the product uses (static/vendor/README.md). A
template that starts using a Tabler class the trim dropped would lose its style silently; this
test names the class and the command that re-trims."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
FULL = ROOT / "vendor-src" / "tabler" / "tabler.min.css"
SERVED = ROOT / "static" / "vendor" / "tabler" / "tabler.min.css"
RETRIM = "npx purgecss@6.0.0 -c vendor-src/tabler/purgecss.config.cjs -o static/vendor/tabler/"


def _selector_classes(css: str) -> set[str]:
    """Class names in the CSS's selectors (not in declarations, where `.5rem` is a number)."""
    preludes = re.findall(r"(?:(?<=[{}])|^)([^{}]+)\{", css)
    return {c for p in preludes for c in re.findall(r"\.(-?[A-Za-z_][\w-]*)", p)}


def _used_classes() -> dict[str, str]:
    """Literal class names in every template's class attributes, with one file using each."""
    used: dict[str, str] = {}
    for template in sorted(ROOT.glob("**/templates/**/*.html")):
        if ".venv" in template.parts:
            continue
        for attribute in re.findall(r'class="([^"]*)"', template.read_text()):
            literal = re.sub(r"\{[{%].*?[}%]\}", " ", attribute)
            for name in literal.split():
                used.setdefault(name, str(template.relative_to(ROOT)))
    return used


def test_every_tabler_class_a_template_uses_is_in_the_served_css():
    tabler = _selector_classes(FULL.read_text())
    served = _selector_classes(SERVED.read_text())
    missing = {
        name: where
        for name, where in _used_classes().items()
        if name in tabler and name not in served
    }
    assert not missing, f"re-trim Tabler's CSS ({RETRIM}); missing: {missing}"


def test_the_served_css_is_a_fraction_of_tablers():
    assert SERVED.stat().st_size < FULL.stat().st_size / 3
