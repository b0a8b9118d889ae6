"""Real-world bibliography exports: one bad entry never blocks a site, markup and DOIs read.

The fixtures in tests/data/bibliographies/ are written the way Zotero, Better BibTeX,
JabRef, Mendeley, EndNote and Web of Science export.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.build import build_site
from sitegen.catalog import clean_entry, load
from sitegen.cli import cli
from sitegen.model import InputError, SourceEntry
from sitegen.settings import load_settings
from sitegen.sources import parse_seed_text, read_seed_file

from .conftest import BIBLIOGRAPHIES, build_into


def read(name: str) -> tuple[list[SourceEntry], list[str]]:
    entries, problems = read_seed_file(BIBLIOGRAPHIES / name, f"seeds/{name}")
    return entries, [str(p) for p in problems]


def titles(entries: list[SourceEntry]) -> list[str]:
    return [t.plain for e in entries if (t := clean_entry(e).title) is not None]


def project(make_project: Callable[..., Path], *names: str) -> Path:
    root = make_project()
    for name in names:
        shutil.copy(BIBLIOGRAPHIES / name, root / "seeds" / name)
    return root


def test_a_malformed_entry_is_a_warning_and_the_rest_is_read() -> None:
    entries, problems = read("zotero-broken.bib")
    assert titles(entries) == [
        "Mastering the game of Go with deep neural networks and tree search",
        "Attention is all you need",
        "Two authors, one short name: sets with {braces} in the title",
    ]
    assert problems[0].startswith(
        "seeds/zotero-broken.bib:11: warning: malformed BibTeX @article{broken_2019}"
    )
    assert problems[0].endswith("; entry skipped")


def test_an_entry_commented_out_with_percent_signs_is_ignored() -> None:
    _, problems = read("zotero-broken.bib")
    assert not any(":17:" in p or "commented_2018" in p for p in problems)


def test_escaped_braces_in_a_title_are_not_an_unclosed_brace() -> None:
    entries, problems = read("zotero-broken.bib")
    assert not any("never closed" in p for p in problems)
    assert "sets with {braces} in the title" in titles(entries)[2]


def test_each_warning_is_given_once_per_entry() -> None:
    text = "@misc{t,\n title = {One},\n title = {Two},\n title = {Three},\n}\n"
    _, problems = parse_seed_text(text, "seeds/t.bib")
    assert [str(p) for p in problems] == [
        "seeds/t.bib:1: warning: @misc{t}: field 'title' is given twice; the first is used"
    ]


def test_a_field_given_once_per_keyword_gives_every_keyword() -> None:
    entries, problems = read("zotero-broken.bib")
    assert len(problems) == 1  # the broken entry
    assert entries[1].tags == (
        "attention",
        "transformers",
        "nlp",
        "deep learning",
        "sequence models",
        "translation",
    )


def test_others_is_not_an_author_and_namesakes_are_both_kept() -> None:
    entries, _ = read("zotero-broken.bib")
    assert [e.authors for e in entries[1:]] == [
        ("Ashish Vaswani", "Noam Shazeer"),
        ("S. Zhang", "S. Zhang"),
    ]
    (short, *_), _ = read("better-csl.json")
    assert short.authors == ("S. Zhang", "S. Zhang")


def test_the_site_builds_without_the_broken_entry_unless_strict(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = project(make_project, "zotero-broken.bib")
    settings, _ = load_settings(root)
    out = build_into(settings, tmp_path / "site")
    assert (out / "papers" / "attention-is-all-you-need" / "index.html").is_file()
    with pytest.raises(InputError) as raised:
        build_site(settings, strict=True, index_search=False)
    assert any("broken_2019" in p.message for p in raised.value.problems)
    runner = CliRunner()
    checked = runner.invoke(cli, ["-C", str(root), "check"])
    assert checked.exit_code == 0
    assert "seeds/zotero-broken.bib:11: warning: malformed BibTeX" in checked.stderr
    assert "ok: 3 entries, 3 papers" in checked.stdout
    assert runner.invoke(cli, ["-C", str(root), "check", "--strict"]).exit_code == 1


def test_a_broken_csl_item_is_a_warning(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {"seeds/lib.json": '[\n"not an item",\n{"type": "book", "title": "Kept"}\n]\n'}
    )
    settings, _ = load_settings(root)
    loaded = load(settings)
    assert [str(p) for p in loaded.problems] == [
        "seeds/lib.json:2: warning: expected a CSL-JSON item (a JSON object); entry skipped"
    ]
    assert loaded.catalog is not None and len(loaded.catalog.papers) == 1


@pytest.mark.parametrize("name", ["empty.bib", "comments-only.bib"])
def test_an_empty_file_is_a_warning(name: str) -> None:
    assert read(name) == ([], [f"seeds/{name}: warning: empty file: no papers in it"])


def test_a_file_of_untitled_entries_says_it_gave_no_papers() -> None:
    entries, problems = read("mendeley-untitled.bib")
    assert entries == []
    assert problems[-1] == (
        "seeds/mendeley-untitled.bib: warning: gave 0 papers: every entry was skipped "
        "or has neither title nor abstract"
    )


def test_biblatex_and_better_bibtex_markup_is_decoded() -> None:
    entries, problems = read("betterbibtex-markup.bib")
    assert problems == []
    assert titles(entries) == [
        "The Physics of CO2 Capture in GaAs",
        "\u201cQuoted\u201d and \u201cQuoted Again\u201d: pH from 3<x>1",
        "Emphasis, Italic, Bold and Small Caps with xth power",
        "An Argument in a Title",
    ]
    assert entries[0].venue == "Physical Review B"
    assert entries[2].url == "https://example.org/paper"


def test_dois_in_every_form_are_read_as_given() -> None:
    entries, _ = read("wos-dois.bib")
    assert [e.doi for e in entries] == [
        "10.1038/nature16961",
        "10.1145/3292500.3330701",
        "10.1000/OLD.123",
        "10.1000/Prefix",
    ]
    csl, _ = read("better-csl.json")
    assert [e.doi for e in csl] == [
        "10/fqd6hj",
        None,
        None,
        "10.1038/NATURE16961",
    ]


def test_one_paper_from_web_of_science_and_better_csl_json_keeps_the_first_doi(
    make_project: Callable[..., Path],
) -> None:
    root = project(make_project, "wos-dois.bib", "better-csl.json")
    settings, _ = load_settings(root)
    loaded = load(settings)
    assert loaded.catalog is not None
    assert [(merge.reason, str(merge.second)) for merge, _ in loaded.merges] == [
        ("title", "seeds/wos-dois.bib:1")
    ]
    go = loaded.catalog.paper("mastering-the-game-of-go-with-deep-neural-networks-and-tree")
    assert go.doi == "10.1038/NATURE16961"


def test_csl_dates_with_seasons_and_negative_years_keep_the_year() -> None:
    entries, problems = read("better-csl.json")
    assert problems == []
    assert [e.year for e in entries] == [2019, -50, 2020, 2016]


def test_a_latin1_jabref_file_is_read_in_the_encoding_it_declares() -> None:
    entries, problems = read("jabref-latin1.bib")
    assert problems == []
    assert titles(entries) == ["Über die Größe von Cafés", "The article in my other subgroup"]
    assert entries[0].authors == ("Jürgen Müller", "Renée Façon")


def test_an_undeclared_windows_1252_file_keeps_its_papers_with_a_warning() -> None:
    entries, problems = read("windows-1252.bib")
    assert titles(entries) == [
        "\u201cSmart\u201d caching \u2013 a naïve study",
        "Plain ASCII title",
    ]
    assert problems == [
        "seeds/windows-1252.bib:2: warning: not valid UTF-8 text; read as Windows-1252 "
        "(Latin-1): check its accents, or save it as UTF-8"
    ]


def test_endnote_entries_without_keys_in_utf16_are_papers() -> None:
    entries, problems = read("endnote-keyless-utf16.bib")
    assert problems == []
    assert titles(entries) == [
        "Alzheimer mechanisms and therapeutic strategies",
        "Keyless entries are papers too",
    ]
    assert [e.ref.line for e in entries] == [2, 9]
    assert entries[1].authors == ("T. Schön",)


def test_old_style_font_switches_and_math_next_to_numbers_read_as_text() -> None:
    entries, problems = read("old-style-markup.bib")
    assert problems == []
    assert titles(entries) == [
        "The CONNIVER Reference Manual",
        "Instrumental With and the Control Relation in English",
        "Test Title With ±0.1% Accuracy and -50 dB Attenuation",
    ]
    assert entries[0].authors == ("Drew V. McDermott", "Gerald J. Sussman")


def test_scopus_authors_separated_by_commas_are_each_a_person() -> None:
    (entry,), _ = read("scopus-authors.bib")
    assert entry.authors == ("V. Della Corte", "M. Aria", "G. Del Gaudio")


def test_biblatex_xdata_and_set_are_not_papers_and_multiscript_titles_are_read() -> None:
    entries, problems = read("biblatex-xdata-set.bib")
    assert problems == []
    assert titles(entries) == ["A Book With Xdata", "Мухаммад ибн муса ал-Хорезми"]
    assert entries[0].venue == "Macmillan"


def test_a_single_csl_item_as_doi_org_answers_is_a_paper() -> None:
    (entry,), problems = read("doi-org-single.json")
    assert problems == []
    assert entry.title == "Mastering the game of Go with deep neural networks and tree search"
    assert (entry.ref.line, entry.doi, entry.venue, entry.year) == (
        1,
        "10.1038/nature16961",
        "Nature",
        2016,
    )


def test_crossref_api_titles_given_as_lists_are_read() -> None:
    (entry,), problems = read("crossref-api-lists.json")
    assert problems == []
    assert entry.title == "Optuna: A Next-generation Hyperparameter Optimization Framework"
    assert entry.venue is not None and entry.venue.startswith("Proceedings of the 25th ACM")


def test_an_entry_missing_its_closing_brace_is_kept_with_a_warning() -> None:
    entries, problems = read("hand-edited-unclosed.bib")
    assert titles(entries) == [
        "Attention is all you need",
        "Mastering the game of Go with deep neural networks and tree search",
        "Deep residual learning for image recognition",
    ]
    assert [e.year for e in entries] == [2017, 2016, 2016]
    assert problems == [
        f"seeds/hand-edited-unclosed.bib:{line}: warning: @{kind} is never closed; "
        "read as if it ended after its last field"
        for line, kind in ((1, "inproceedings{vaswani_attention_2017}"), (11, "misc{he_deep_2016}"))
    ]


def test_nasa_ads_journal_macros_name_the_journal() -> None:
    entries, problems = read("ads-aas-macros.bib")
    assert problems == []
    assert [(e.venue, e.year, e.arxiv) for e in entries] == [
        ("Nature", 2016, None),
        ("Astrophysical Journal", 1998, "astro-ph/9710327"),
    ]
    assert entries[0].authors == ("David Silver", "Aja Huang")


def test_better_bibtex_escapes_and_formatting_macros_keep_their_words() -> None:
    entries, problems = read("betterbibtex-escapes.bib")
    assert problems == []
    assert titles(entries) == [
        "Ep 30: Superhuman CEO Rahul Vohra on the Future of Email | Listen Notes",
        "Efficient Estimation of Word Representations with word2vec and GaAs _tags",
    ]


def test_crossref_jats_abstracts_read_as_text_and_empty_lists_are_empty() -> None:
    (entry,), problems = read("crossref-jats.json")
    assert problems == []
    assert clean_entry(entry).abstract.plain == (
        "We report on humoral immunity from 2 weeks to 6 months after vaccination in 120 "
        "residents. Levels dropped over time."
    )
    assert entry.venue == "Cold Spring Harbor Laboratory"


def test_classic_mac_line_ends_give_each_entry_its_own_line() -> None:
    entries, problems = read("classic-mac-cr.bib")
    assert problems == []
    assert [(e.title, e.ref.line) for e in entries] == [
        ("First on line two", 2),
        ("Second on line seven", 7),
    ]


def test_a_stray_nul_is_dropped_with_a_warning_and_every_paper_kept() -> None:
    entries, problems = read("stray-nul.bib")
    assert titles(entries) == ["Abstract pasted from a PDF", "A clean entry"]
    assert entries[0].abstract == "Text copied from a PDF with a stray NUL in it."
    assert problems == [
        "seeds/stray-nul.bib:3: warning: NUL characters (binary data) in the text were dropped"
    ]


def test_utf16_without_a_bom_is_read() -> None:
    (entry,), problems = read("utf16le-nobom.bib")
    assert problems == []
    assert entry.title == "Saved as UTF-16 without a BOM: Gödel"


def test_crossref_small_caps_mathml_and_entities_in_csl_read_as_text() -> None:
    entries, problems = read("crossref-markup.json")
    assert problems == []
    assert titles(entries) == ["COVID\u201019 and E. coli in H2O", "Bounds for \u03b1-stable laws"]
    assert entries[0].venue == "Knowledge Discovery & Data Mining"


def test_zotero_rich_text_tags_in_bibtex_keep_only_their_text() -> None:
    (entry,), problems = read("zotero-rich-text.bib")
    assert problems == []
    clean = clean_entry(entry)
    assert clean.title is not None
    assert clean.title.plain == "The genome sequence of Drosophila melanogaster and H2O"
    assert clean.abstract.plain == "The fly Genome is 3<x>1 times smaller."


def test_author_lists_without_and_or_with_a_stray_and_are_each_a_person() -> None:
    entries, problems = read("author-lists.bib")
    assert problems == []
    assert [e.authors for e in entries] == [
        ("J. Smith", "A. Doe"),
        ("J. Smith", "A. Doe", "B. Roe"),
        ("J Smith", "AB Van der Berg", "X Li"),
    ]
