"""The package as users get it: the sdist and wheel, a fresh install, the GitHub workflows."""

from __future__ import annotations

import os
import re
import site
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import sitegen
from sitegen import DISTRIBUTION
from sitegen.cli import cli

from .conftest import FIRST_KEY, REPO

INSTALL_LINE = re.compile(r'pip install "(?P<name>[\w.-]+)==(?P<version>[^"]+)"')
OFFLINE = {"PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def run(*args: str | Path, **kwargs: object) -> str:
    """Run a command; on failure show its output (a CalledProcessError hides it)."""
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return str(done.stdout)


def validate_workflow(path: Path) -> None:
    """Validate against GitHub's workflow schema (shipped with check-jsonschema: no network)."""
    run(sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
        path)  # fmt: skip


def install_step(workflow: Path) -> str:
    steps = yaml.safe_load(workflow.read_text())["jobs"]["build"]["steps"]
    return str(next(s["run"] for s in steps if s.get("name") == "Install sitegen"))


# --- the workflows ------------------------------------------------------------------------


def test_the_pages_workflow_is_a_valid_github_workflow(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["init", str(tmp_path)]).exit_code == 0
    validate_workflow(tmp_path / ".github" / "workflows" / "pages.yml")


def test_the_pages_workflow_pins_the_version_that_wrote_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = (REPO / "sitegen" / "starter" / "dot-github" / "workflows" / "pages.yml").read_text()
    assert sitegen.__version__ not in template  # filled in by `sitegen init`, not written in
    monkeypatch.setattr("sitegen.init.installed_version", lambda: "9.8.7")
    assert CliRunner().invoke(cli, ["init", str(tmp_path)]).exit_code == 0
    workflow = tmp_path / ".github" / "workflows" / "pages.yml"
    assert install_step(workflow) == 'pip install "sitegen-reading-list==9.8.7"'
    text = workflow.read_text()
    assert "pip install --upgrade sitegen-reading-list" in text  # how to upgrade
    assert '"sitegen-reading-list @ git+https://github.com/' in text  # how to install from git
    assert "@DISTRIBUTION@" not in text and "@VERSION@" not in text
    validate_workflow(workflow)


def test_ci_runs_what_ci_run_runs_on_push_and_pull_request() -> None:
    path = REPO / ".github" / "workflows" / "ci.yml"
    validate_workflow(path)
    workflow = yaml.safe_load(path.read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "push" in triggers and "pull_request" in triggers
    (job,) = workflow["jobs"].values()
    assert [s["run"] for s in job["steps"] if "run" in s] == [".ci/run"]
    assert job["steps"][0]["uses"].startswith("actions/checkout@")
    assert os.access(REPO / ".ci" / "run", os.X_OK)


# --- the sdist and the wheel --------------------------------------------------------------


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, and the wheel built from it, as `python -m build` makes them (offline)."""
    pytest.importorskip("hatchling", reason="the build backend")
    out = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, REPO, env=env)
    return out


def only(folder: Path, pattern: str) -> Path:
    (path,) = folder.glob(pattern)
    return path


def test_sdist_and_wheel_pass_twine_check(dist: Path) -> None:
    sdist = only(dist, "sitegen_reading_list-*.tar.gz")
    wheel = only(dist, "sitegen_reading_list-*-py3-none-any.whl")
    assert "PASSED" in run(sys.executable, "-m", "twine", "check", "--strict", sdist, wheel)


def test_the_wheel_holds_the_theme_the_starter_project_and_its_name(dist: Path) -> None:
    wheel = only(dist, "sitegen_reading_list-*-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (meta,) = (n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = HeaderParser().parsestr(archive.read(meta).decode())
        (points,) = (n for n in names if n.endswith(".dist-info/entry_points.txt"))
        entry_points = archive.read(points).decode()
    assert metadata["Name"] == DISTRIBUTION and metadata["Version"] == sitegen.__version__
    assert "sitegen = sitegen.__main__:main" in entry_points  # the command keeps its name
    for theme_file in (REPO / "templates").rglob("*"):
        if theme_file.is_file():
            assert f"sitegen/_theme/templates/{theme_file.relative_to(REPO / 'templates')}" in names
    assert "sitegen/_theme/static/css/site.css" in names
    assert "sitegen/starter/dot-github/workflows/pages.yml" in names
    assert "sitegen/starter/static/dot-gitkeep" in names
    assert "sitegen/py.typed" in names and "sitegen/schemas/annotations.schema.json" in names
    assert not any("__pycache__" in n for n in names)
    with tarfile.open(only(dist, "*.tar.gz")) as sdist:
        inside = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {"pyproject.toml", "README.md", "templates/base.html", "sitegen/cli.py"} <= inside


def fresh_venv(env_dir: Path) -> Path:
    """A virtualenv that also sees the running environment's packages; returns its python.

    Those packages are the wheel's dependencies: with them the install needs no network.
    A .pth file rather than system_site_packages: when the tests run inside a virtualenv,
    system_site_packages would show the base interpreter's packages, not the virtualenv's.
    """
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    outer = [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    (Path(purelib.strip()) / "outer-environment.pth").write_text(
        "import site; " + "; ".join(f"site.addsitedir({d!r})" for d in dict.fromkeys(outer))
    )
    return python


def test_an_installed_wheel_builds_a_new_site(dist: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    python = fresh_venv(env_dir)
    # No PYTHONPATH: the venv must import the installed wheel, not this source tree.
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, **OFFLINE}
    wheel = only(dist, "*.whl")
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", wheel, env=env, cwd=tmp_path)
    where = run(python, "-c", "import sitegen.render as r; print(r.theme_dir())", env=env,
                cwd=tmp_path).strip()  # fmt: skip
    assert where.endswith("sitegen/_theme") and str(env_dir) in where
    installed = run(python, "-c", f"import importlib.metadata as m; print(m.version({DISTRIBUTION!r}))",
                    env=env, cwd=tmp_path).strip()  # fmt: skip
    assert installed == sitegen.__version__
    command = env_dir / "bin" / "sitegen"
    assert run(command, "--version", env=env) == f"{DISTRIBUTION} {installed}\n"
    run(command, "init", "x", env=env, cwd=tmp_path)
    workflow = tmp_path / "x" / ".github" / "workflows" / "pages.yml"
    line = INSTALL_LINE.fullmatch(install_step(workflow))
    assert line and (line["name"], line["version"]) == (DISTRIBUTION, installed)
    run(command, "build", env=env, cwd=tmp_path / "x")
    built = tmp_path / "x" / "_site"
    assert (built / "static" / "css" / "site.css").exists()
    assert "<!doctype html>" in (built / "papers" / FIRST_KEY / "index.html").read_text()
