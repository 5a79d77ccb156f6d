"""An API client runs the README's examples verbatim (only the host changes) and gets the figures the
README says it will."""

import re
import subprocess
import sys

from .conftest import BASE_DIR

README = (BASE_DIR / "README.md").read_text()
DOC_HOST = "http://127.0.0.1:8000"


def _api_section() -> str:
    return README.split("## REST API", 1)[1].split("\n## ", 1)[0]


def _block(lang: str) -> str:
    blocks = re.findall(rf"```{lang}\n(.*?)```", _api_section(), re.S)
    assert len(blocks) == 1, f"expected one {lang} block in the README's API section"
    return blocks[0]


def _documented_after(block: str) -> str:
    """The sentence right after a block, where the README says what it answers."""
    return _api_section().split(block + "```", 1)[1].strip().split("\n\n", 1)[0]


def test_the_readme_curl_example_answers_the_documented_quarter(stack):
    script = _block("sh")
    out = subprocess.run(
        ["bash", "-c", script.replace(DOC_HOST, stack.url)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    for figure in re.findall(r"`(\"[a-z_]+\":[^`]+)`", _documented_after(script)):
        assert figure in out, (figure, out[:500])
    assert '"signed_count":39' in out


def test_the_readme_python_example_prints_the_documented_sum(stack):
    script = _block("python")
    out = subprocess.run(
        [sys.executable, "-c", script.replace(DOC_HOST, stack.url)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    documented = re.search(r"prints `([^`]+)`", _documented_after(script)).group(1)
    assert out == documented
