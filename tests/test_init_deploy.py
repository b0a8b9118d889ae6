"""``sitegen init`` makes a project that builds; ``sitegen deploy`` publishes it to a branch.

The installed package itself (wheel, workflows) is tested in test_packaging.py.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from sitegen import installed_version
from sitegen.cli import cli

from .conftest import FIRST_KEY

STARTER_FILES = {
    "sitegen.yaml",
    ".gitignore",
    ".github/workflows/pages.yml",
    "seeds/2024-03-17-daily-papers.txt",
    "content/topics.yaml",
    "content/annotations/example.yaml",
    "content/lists/start-here.yaml",
    "templates/README.md",
    "static/.gitkeep",
}


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_init_creates_a_project_that_builds(tmp_path: Path) -> None:
    target = tmp_path / "reading-list"
    result = run_cli("init", str(target))
    assert result.exit_code == 0, result.output
    assert files_under(target) == STARTER_FILES
    assert "same\nname as the theme's template" in (target / "templates" / "README.md").read_text()
    check = run_cli("-C", str(target), "check", "--strict")
    assert check.exit_code == 0, check.output
    assert "3 papers" in check.output and "1 annotated" in check.output
    build = run_cli("-C", str(target), "build")
    assert build.exit_code == 0, build.output
    site = target / "_site"
    page = (site / "papers" / FIRST_KEY / "index.html").read_text(encoding="utf-8")
    assert "Reward a web agent for reaching milestones" in page  # the example annotation
    assert (site / "lists" / "start-here" / "index.html").exists()
    assert (site / "feed.xml").exists() and (site / ".nojekyll").exists()
    ignored = (target / ".gitignore").read_text().split()
    assert "/_site/" in ignored and ".sitegen-cache/" in ignored


def test_init_into_an_existing_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli("init", str(empty)).exit_code == 0
    clone = tmp_path / "clone"
    clone.mkdir()
    (clone / "LICENSE").write_text("MIT\n")
    assert run_cli("init", str(clone)).exit_code == 0
    assert (clone / "LICENSE").read_text() == "MIT\n"


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "site"
    (target / "content").mkdir(parents=True)
    (target / "sitegen.yaml").write_text("title: Mine\n")
    (target / "content" / "topics.yaml").write_text("[]\n")
    result = run_cli("init", str(target))
    assert result.exit_code == 1
    assert "refusing to overwrite" in result.output
    assert "sitegen.yaml" in result.output and "topics.yaml" in result.output
    assert (target / "sitegen.yaml").read_text() == "title: Mine\n"
    assert files_under(target) == {"sitegen.yaml", "content/topics.yaml"}  # nothing written


def test_workflow_builds_with_the_pages_url_and_deploys(tmp_path: Path) -> None:
    assert run_cli("init", str(tmp_path)).exit_code == 0
    workflow = yaml.safe_load((tmp_path / ".github" / "workflows" / "pages.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "push" in triggers and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    uses = [step.get("uses", "").split("@")[0] for step in build["steps"]]
    assert uses[:2] == ["actions/checkout", "actions/setup-python"]
    assert "actions/configure-pages" in uses and "actions/upload-pages-artifact" in uses
    runs = [step["run"] for step in build["steps"] if "run" in step]
    assert any(run.startswith('pip install "sitegen-reading-list==') for run in runs)
    assert 'sitegen build --base-url "${{ steps.pages.outputs.base_url }}/"' in runs
    # The stage cache is restored before the build (and saved after it by the same step).
    cache = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/cache@"))
    build_step = next(s for s in build["steps"] if s.get("run", "").startswith("sitegen build"))
    assert build["steps"].index(cache) < build["steps"].index(build_step)
    assert cache["with"]["path"] == ".sitegen-cache"
    version = installed_version()
    assert cache["with"]["key"] == (
        f"sitegen-{version}-${{{{ hashFiles('sitegen.yaml', 'seeds/**', 'content/**') }}}}"
    )
    assert cache["with"]["restore-keys"].split() == [f"sitegen-{version}-"]
    configure = next(s for s in build["steps"] if "configure-pages" in s.get("uses", ""))
    assert configure["id"] == "pages"
    upload = next(s for s in build["steps"] if "upload-pages-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "_site"
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]


# --- deploy -------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A starter project committed on ``main``, with a bare repository as ``origin``."""
    for name in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{name}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{name}_EMAIL", "test@example.org")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = tmp_path / "project"
    assert run_cli("init", str(root)).exit_code == 0
    git(root, "init", "--quiet", "--initial-branch", "main")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", "Start a reading list")
    git(tmp_path, "init", "--quiet", "--bare", "remote.git")
    git(root, "remote", "add", "origin", str(tmp_path / "remote.git"))
    return root


def remote_files(project: Path, branch: str = "gh-pages") -> set[str]:
    remote = project.parent / "remote.git"
    return set(git(remote, "ls-tree", "-r", "--name-only", branch).splitlines())


def commits(project: Path, branch: str = "gh-pages") -> int:
    return int(git(project.parent / "remote.git", "rev-list", "--count", branch))


def deploy(project: Path, *args: str) -> Result:
    return run_cli("-C", str(project), "deploy", *args)


def user_state(project: Path) -> tuple[str, str, bytes, str]:
    """Current branch, its commit, the index file and the working tree's content."""
    tree = "".join(
        f"{p}:{(project / p).read_text()}" for p in sorted(files_under(project)) if ".git/" not in p
        and not p.startswith(("_site/", ".sitegen-cache/"))
    )  # fmt: skip
    return (
        git(project, "symbolic-ref", "--short", "HEAD"),
        git(project, "rev-parse", "HEAD"),
        (project / ".git" / "index").read_bytes(),
        tree,
    )


def test_deploy_publishes_the_built_site_on_a_branch(project: Path) -> None:
    before = user_state(project)
    result = deploy(project)
    assert result.exit_code == 0, result.output
    assert "deployed" in result.output
    published = remote_files(project)
    assert {"index.html", ".nojekyll", "feed.xml", "papers.bib", "404.html"} <= published
    assert f"papers/{FIRST_KEY}/index.html" in published
    assert ".sitegen" not in published  # the build marker stays out
    assert published == files_under(project / "_site") - {".sitegen"}
    assert not any(name.startswith(("content/", "seeds/")) for name in published)
    assert commits(project) == 1
    assert user_state(project) == before  # branch, HEAD, index and files untouched
    assert git(project, "rev-parse", "gh-pages") == git(
        project.parent / "remote.git", "rev-parse", "gh-pages"
    )


def test_each_deploy_with_changes_adds_one_commit(project: Path) -> None:
    assert deploy(project).exit_code == 0
    unchanged = deploy(project)
    assert unchanged.exit_code == 0, unchanged.output
    assert "nothing changed" in unchanged.output
    assert commits(project) == 1
    annotation = project / "content" / "annotations" / "example.yaml"
    annotation.write_text(annotation.read_text().replace("rating: 4", "rating: 5"))
    before = user_state(project)
    changed = deploy(project, "--message", "Rate it higher")
    assert changed.exit_code == 0, changed.output
    assert commits(project) == 2
    remote = project.parent / "remote.git"
    assert git(remote, "log", "-1", "--format=%s", "gh-pages") == "Rate it higher"
    assert git(remote, "rev-parse", "gh-pages~1") != ""  # history kept
    assert user_state(project) == before
    assert git(project, "status", "--porcelain") == "M content/annotations/example.yaml"


def test_deploy_stops_on_input_errors_and_pushes_nothing(project: Path) -> None:
    assert deploy(project).exit_code == 0
    tip = git(project.parent / "remote.git", "rev-parse", "gh-pages")
    annotation = project / "content" / "annotations" / "example.yaml"
    annotation.write_text(annotation.read_text().replace("status: read", "status: finished"))
    result = deploy(project)
    assert result.exit_code == 1
    assert "example.yaml" in result.output and "nothing pushed" in result.output
    assert git(project.parent / "remote.git", "rev-parse", "gh-pages") == tip
    no_build = deploy(project, "--no-build")  # the last build no longer matches the inputs
    assert no_build.exit_code == 1
    assert git(project.parent / "remote.git", "rev-parse", "gh-pages") == tip


def test_deploy_no_build_publishes_the_last_build(project: Path) -> None:
    missing = deploy(project, "--no-build")
    assert missing.exit_code == 1
    assert "no built site" in missing.output
    assert run_cli("-C", str(project), "build").exit_code == 0
    result = deploy(project, "--no-build")
    assert result.exit_code == 0, result.output
    assert "index.html" in remote_files(project)


def test_deploy_explains_a_missing_repository_or_remote(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loose = tmp_path / "loose"
    assert run_cli("init", str(loose)).exit_code == 0
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # no repository above tmp
    result = deploy(loose)
    assert result.exit_code == 1
    assert "not in a git repository" in result.output
    result = deploy(project, "--remote", "upstream")
    assert result.exit_code == 1
    assert "no git remote named 'upstream'" in result.output and "origin" in result.output
    assert not (project / "_site").exists()  # checked before building


def test_deploy_reports_a_rejected_push(project: Path, tmp_path: Path) -> None:
    assert deploy(project).exit_code == 0
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", "--branch", "gh-pages", str(tmp_path / "remote.git"), "other")
    (other / "extra.html").write_text("someone else's commit\n")
    git(other, "add", "extra.html")
    git(other, "commit", "--quiet", "-m", "Diverge")
    git(other, "push", "--quiet", "origin", "gh-pages")
    annotation = project / "content" / "annotations" / "example.yaml"
    annotation.write_text(annotation.read_text().replace("rating: 4", "rating: 3"))
    result = deploy(project)
    assert result.exit_code == 1
    assert "push rejected" in result.output and "git fetch origin gh-pages" in result.output
    assert "extra.html" in remote_files(project)  # their commit is still there


def test_deploy_refuses_to_replace_the_checked_out_branch(project: Path) -> None:
    result = deploy(project, "--branch", "main")
    assert result.exit_code == 1
    assert "checked out" in result.output
    assert git(project, "ls-remote", "origin") == ""  # nothing pushed
