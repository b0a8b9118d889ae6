"""Hostile files and folders where inputs and outputs belong: a clear one-line error
naming the path, never a hang, a traceback or a damaged last good site."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import cli

from .conftest import REPO, ZEBRA, ZEBRA_KEY, build, build_within, run_within, tree

Project = Callable[..., Path]


@pytest.mark.parametrize("name", ["sitegen.yaml", "content/topics.yaml"])
def test_a_fifo_where_an_input_file_belongs_is_an_error_not_a_hang(
    make_project: Project, name: str
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, "sitegen.yaml": "title: Z\n"})
    assert build(root).exit_code == 0
    before = tree(root / "_site")
    (root / name).unlink(missing_ok=True)
    os.mkfifo(root / name)
    result = build_within(60, root)
    assert result.exit_code == 1, result.output
    assert f"{name}: error: cannot read file: not a regular file" in result.output
    assert tree(root / "_site") == before


def test_annotate_into_a_fifo_is_an_error_not_a_hang(make_project: Project) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    os.mkfifo(root / "content" / "annotations" / "a.yaml")
    result = run_within(
        60, root, "annotate", ZEBRA_KEY, "--status", "read", "--file", "content/annotations/a.yaml"
    )
    assert result.exit_code == 1, result.output
    assert (
        "content/annotations/a.yaml: error: cannot read file: not a regular file" in result.output
    )
    assert "free some space" not in result.output


@pytest.mark.parametrize("out", ["/", "."])
def test_an_output_dir_holding_the_project_is_refused_before_anything_is_touched(
    make_project: Project, out: str
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, "sitegen.yaml": f"output_dir: {out}\n"})
    beside = root.with_name(root.name + ".sitegen-staging")  # as a build's leftovers are named
    beside.mkdir()
    (beside / "thesis.tex").write_text("years of work")
    result = build(root)
    assert result.exit_code == 1, result.output
    assert "it holds the project itself" in result.output
    assert (beside / "thesis.tex").read_text() == "years of work"


def test_a_build_killed_mid_swap_leaves_the_last_good_site_to_a_failing_next_build(
    make_project: Project,
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    assert build(root).exit_code == 0
    before = tree(root / "_site")
    killed = subprocess.run(
        [sys.executable, "-m", "tests.killpoints", "swap", "-C", str(root), "build", "--clean"],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=REPO,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL
    (root / "content" / "annotations" / "a.yaml").write_text(f"{ZEBRA_KEY}:\n  rating: [\n")
    result = build(root)
    assert result.exit_code == 1
    assert "content/annotations/a.yaml:3: error:" in result.output
    assert tree(root / "_site") == before
    assert sorted(p.name for p in root.iterdir() if p.name.startswith("_site")) == ["_site"]


def test_file_names_that_are_not_utf8_are_errors_naming_them(make_project: Project) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    assert build(root).exit_code == 0
    before = tree(root / "_site")
    os.makedirs(os.fsencode(root / "static"))
    for name in (b"seeds/\xff\xfe.txt", b"content/annotations/\xff.yaml", b"static/\x80.css"):
        with open(os.fsencode(root) + b"/" + name, "wb") as file:
            file.write(ZEBRA.encode())
    for command in (["build"], ["check"], ["search", "zebra"]):
        result = CliRunner().invoke(cli, ["-C", str(root), *command])
        assert result.exit_code == 1, result.output
        assert "internal error" not in result.output
        for shown in (r"seeds/\xff\xfe.txt", r"content/annotations/\xff.yaml", r"static/\x80.css"):
            assert f"{shown}: error: the name is not UTF-8: rename it" in result.output
    assert tree(root / "_site") == before


def test_a_newline_in_a_file_name_keeps_each_error_on_one_line(make_project: Project) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, "content/annotations/a\nb.yaml": "zebra: [\n"})
    result = build(root)
    assert result.exit_code == 1
    assert "content/annotations/a\\nb.yaml:2: error: YAML syntax error" in result.output


def test_a_project_in_a_folder_whose_name_is_not_utf8_builds_with_its_search_index(
    make_project: Project,
) -> None:
    made = make_project({"seeds/a.txt": ZEBRA})
    root = Path(os.fsdecode(os.fsencode(made.parent) + b"/\xff-project"))
    made.rename(root)
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "build"],
        capture_output=True,
        text=True,
        errors="replace",
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(REPO), "PWD": str(root)},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (root / "_site" / "pagefind" / "shards.json").is_file()
    assert (root / "_site" / "papers" / ZEBRA_KEY / "index.html").is_file()


@pytest.mark.parametrize(
    "base, words",
    [
        ('"http://[::1"', "Invalid IPv6 URL"),
        ("//elsewhere.org/", "a path like /reading-list/"),
        ('"/list?page=1"', "without ? or #"),
        ('"/list/#top"', "without ? or #"),
        ("/a/../b/", "without . or .."),
        ('"/my list/"', "without spaces (write %20)"),
    ],
)
def test_a_base_url_sitegen_cannot_honour_is_an_error_at_its_line(
    make_project: Project, base: str, words: str
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, "sitegen.yaml": f"title: Z\nbase_url: {base}\n"})
    result = build(root)
    assert result.exit_code == 1, result.output
    assert "sitegen.yaml:2: error: base_url must be" in result.output
    assert words in result.output


@pytest.mark.parametrize(
    "setting, shown",
    [
        ('output_dir: "site\\0x"', "sitegen.yaml:1: error: output_dir holds a NUL character"),
        ("output_dir: " + "a" * 300, "a name is too long for this file system"),
    ],
)
def test_an_output_dir_the_system_refuses_is_one_line(
    make_project: Project, setting: str, shown: str
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, "sitegen.yaml": setting + "\n"})
    result = build(root)
    assert result.exit_code == 1, result.output
    assert shown in result.output


@pytest.mark.parametrize(
    "data, shown",
    [
        (
            b"\xef\xbb\xbf{% extends 'base.html' %}\n{% block content %}\ncaf\xe9\n",
            ":3: error: not valid UTF-8",
        ),
        (
            b"{% extends 'base.html' %}\n{% block content %}a\0b{% endblock %}\n",
            ":2: error: file holds binary",
        ),
    ],
)
def test_a_template_that_is_not_utf8_text_is_an_error_naming_it(
    make_project: Project, data: bytes, shown: str
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    assert build(root).exit_code == 0
    before = tree(root / "_site")
    (root / "templates").mkdir()
    (root / "templates" / "part.html").write_bytes(data)
    (root / "templates" / "home.html").write_text(
        "{% extends 'base.html' %}{% block content %}{% include 'part.html' %}{% endblock %}\n"
    )
    result = build(root)
    assert result.exit_code == 1, result.output
    assert f"templates/part.html{shown}" in result.output
    assert tree(root / "_site") == before


def sitegen(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m sitegen ARGS`` in ``root``, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *args],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=300,
    )


@pytest.mark.parametrize("link", ["_site", "seeds", "static", "templates"])
def test_a_folder_that_is_a_symlink_loop_is_one_line_naming_it(
    make_project: Project, link: str
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    assert build(root).exit_code == 0
    before = tree(root / "_site")
    place = root / link
    if link == "seeds":
        place.rename(root / "seeds-kept")
    elif link == "_site":
        place = root / "out"
    place.symlink_to(place)
    result = sitegen(root, "build", *(["--out", "out"] if link == "_site" else []))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert f"{place}: a symbolic link that leads back to itself" in result.stderr
    through_click = build(root, *(["--out", str(place)] if link == "_site" else []))
    assert through_click.exit_code == 1
    assert f"{place}: a symbolic link that leads back to itself" in through_click.output
    assert tree(root / "_site") == before


def test_symlinks_to_nothing_among_the_inputs_are_errors_naming_them(
    make_project: Project, tmp_path: Path
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, "content/topics.yaml": "- slug: z\n"})
    assert build(root).exit_code == 0
    before = tree(root / "_site")
    (root / "content" / "annotations" / "notes.yaml").symlink_to(tmp_path / "moved.yaml")
    (root / "seeds" / "b.bib").symlink_to("b.bib")
    (root / "content" / "annotations" / ".#notes.yaml").symlink_to("root@host.1234")  # Emacs
    result = build(root)
    assert result.exit_code == 1, result.output
    for name in ("content/annotations/notes.yaml", "seeds/b.bib"):
        assert f"{name}: error: a symbolic link to nothing" in result.output
    assert ".#notes" not in result.output
    assert tree(root / "_site") == before


def test_a_settings_file_that_is_a_broken_symlink_is_an_error_not_the_defaults(
    make_project: Project,
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    (root / "sitegen.yaml").symlink_to("sitegen.yaml")
    result = build(root)
    assert result.exit_code == 1, result.output
    assert "sitegen.yaml: error: cannot read file" in result.output


def test_annotate_writes_through_a_symlinked_annotation_file(
    make_project: Project, tmp_path: Path
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    kept = tmp_path / "synced" / "notes.yaml"
    kept.parent.mkdir()
    kept.write_text(f"# my notes\n{ZEBRA_KEY}:\n  status: queued\n")
    (root / "content" / "annotations" / "notes.yaml").symlink_to(kept)
    result = CliRunner().invoke(cli, ["-C", str(root), "annotate", ZEBRA_KEY, "--rating", "4"])
    assert result.exit_code == 0, result.output
    assert (root / "content" / "annotations" / "notes.yaml").is_symlink()
    assert kept.read_text() == f"# my notes\n{ZEBRA_KEY}:\n  status: queued\n  rating: 4\n"


def test_a_template_failing_on_every_page_is_one_error_not_one_a_page(
    make_project: Project,
) -> None:
    seeds = "".join(f"Abstract:We introduce Zebra{n}, a model of stripes.\n" for n in range(5))
    root = make_project({"seeds/a.txt": seeds})
    (root / "templates").mkdir()
    (root / "templates" / "paper.html").write_text(
        "{% extends 'base.html' %}\n{% block content %}\n{{ nosuch.deeper }}{% endblock %}\n"
    )
    result = build(root)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if ": error: " in line]
    assert len(errors) == 1, errors
    assert errors[0].startswith("templates/paper.html:3: error: while rendering /papers/zebra")
    assert errors[0].endswith("(and 4 other pages): 'nosuch' is undefined")


def test_a_paper_key_yaml_would_read_as_a_boolean_or_a_date_is_annotated(
    make_project: Project,
) -> None:
    bib = "".join(
        f"@article{{k{n},\n  title = {{{title}}},\n  year = {{2024}},\n}}\n"
        for n, title in enumerate(["No", "2024-01-01", "010"])
    )
    notes = "no:\n  rating: 5\n2024-01-01:\n  rating: 4\n010:\n  rating: 3\nyes:\n  rating: 2\n"
    root = make_project({"seeds/a.bib": bib, "content/annotations/a.yaml": notes})
    result = build(root)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if ": error: " in line]
    assert errors == [
        "content/annotations/a.yaml:7: error: unknown paper key 'yes'; a key is the last part "
        "of a paper's URL, /papers/<key>/"
    ]
    (root / "content" / "annotations" / "a.yaml").write_text(notes.replace("yes:", "'no':"))
    assert "a.yaml:7: error: 'no' is annotated twice" in build(root).output
    (root / "content" / "annotations" / "a.yaml").write_text(notes.rsplit("yes:", 1)[0])
    assert build(root).exit_code == 0
    papers = json.loads((root / "_site" / "papers.json").read_text())["papers"]
    assert {p["key"]: p["rating"] for p in papers} == {"no": 5, "2024-01-01": 4, "010": 3}


def test_fifos_among_the_inputs_are_errors_naming_them_not_a_hang(make_project: Project) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, "static/site.css": "p {}\n"})
    assert build(root).exit_code == 0
    before = tree(root / "_site")
    names = ["seeds/b.txt", "content/annotations/b.yaml", "content/lists/b.yaml", "static/b.css"]
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(root / name)
    result = build_within(60, root)
    assert result.exit_code == 1, result.output
    for name in names:
        assert f"{name}: error: cannot read file: not a regular file" in result.output
    assert tree(root / "_site") == before


def test_a_link_to_nothing_added_after_a_build_is_not_missed_by_the_no_change_check(
    make_project: Project,
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    assert build(root).exit_code == 0
    assert "0 written" in build(root).output  # nothing changed: the build stops early
    (root / "content" / "annotations" / "notes.yaml").symlink_to("moved.yaml")
    result = build(root)
    assert result.exit_code == 1, result.output
    assert "content/annotations/notes.yaml: error: a symbolic link to nothing" in result.output


@pytest.mark.parametrize(
    "made, shown",
    [
        ("static/css/site.css/notes.txt", "static/css/site.css: error: a folder where the theme"),
        ("static/js", "static/js: error: a file where the theme has a folder of that name"),
    ],
)
def test_a_static_file_and_a_theme_folder_of_one_name_is_an_error_naming_it(
    make_project: Project, made: str, shown: str
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    assert build(root).exit_code == 0
    before = tree(root / "_site")
    (root / made).parent.mkdir(parents=True, exist_ok=True)
    (root / made).write_text("mine\n")
    result = build(root)
    assert result.exit_code == 1, result.output
    assert shown in result.output
    assert "sitegen-staging" not in result.output
    assert tree(root / "_site") == before


def test_a_project_folder_that_is_not_there_is_named_not_built_as_empty(tmp_path: Path) -> None:
    missing = tmp_path / "typo"
    for command in (["build"], ["check"], ["serve", "--port", "0"]):
        result = CliRunner().invoke(cli, ["-C", str(missing), *command])
        assert result.exit_code == 1, result.output
        assert f"error: {missing}: no such project folder" in result.output
    assert not missing.exists()


def test_a_huge_jobs_count_starts_a_few_workers_per_core_not_a_swarm(
    make_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sitegen.workers

    started: list[int] = []
    pool = sitegen.workers.ProcessPoolExecutor

    def counted(*args: object, max_workers: int, **kwargs: object) -> object:
        started.append(max_workers)
        return pool(*args, max_workers=max_workers, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sitegen.workers, "ProcessPoolExecutor", counted)
    root = make_project(sample_seeds=True)
    shutil.copytree(REPO / "content", root / "content", dirs_exist_ok=True)  # 359 pages
    assert build(root, "--jobs", "100000").exit_code == 0
    assert started and max(started) <= 4 * sitegen.workers.default_jobs()


def test_the_command_ends_at_once_with_its_exit_status_and_all_its_output(
    make_project: Project,
) -> None:
    # sitegen ends its process without the interpreter's teardown once a command is done
    # and nothing else runs: what it printed is all there, and so is its exit status.
    root = make_project({"seeds/a.txt": ZEBRA})
    built = sitegen(root, "build")
    assert built.returncode == 0, built.stderr
    assert "built " in built.stdout and (root / "_site" / "index.html").is_file()
    found = sitegen(root, "search", "zebra", "--json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)  # the whole document, flushed
    (root / "content" / "annotations").mkdir(parents=True, exist_ok=True)
    (root / "content" / "annotations" / "bad.yaml").write_text("no-such-paper:\n  rating: 9\n")
    failed = sitegen(root, "build")
    assert failed.returncode == 1
    assert "bad.yaml:" in failed.stderr
    assert sitegen(root, "no-such-command").returncode == 2


def test_a_link_to_a_huge_folder_among_the_annotations_is_one_error_not_a_walk_of_the_disk(
    make_project: Project, tmp_path: Path
) -> None:
    # ln -s / content/annotations/all (or ~): builds read linked folders of notes, and
    # must not walk a whole disk, nor list every file met on the way as a problem.
    huge = tmp_path / "huge"
    for number in range(2_100):
        (huge / f"d{number // 50}" / f"e{number}").mkdir(parents=True)
    (huge / "d0" / "notes.yaml").write_text("no-such-paper:\n  rating: 2\n", encoding="utf-8")
    os.mkfifo(huge / "d1" / "pipe")
    root = make_project({"seeds/a.txt": ZEBRA})
    (root / "content" / "annotations").mkdir(parents=True, exist_ok=True)
    (root / "content" / "annotations" / "all").symlink_to(huge)
    result = sitegen(root, "build")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(lines) == 1 and lines[0].startswith("content: error: more than 2,000 folders")
    assert not (root / "_site").exists()
