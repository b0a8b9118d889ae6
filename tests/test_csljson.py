"""CSL-JSON seeds as Zotero and Better BibTeX export them, with file:line for every item."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.catalog import clean_entry, load
from sitegen.model import Severity
from sitegen.settings import load_settings
from sitegen.sources import csljson, detect_format

ZOTERO = """[
\t{
\t\t"id": "http://zotero.org/users/1234567/items/ABCD2345",
\t\t"type": "article",
\t\t"abstract": "We introduce Mirage, an audio-to-video foundation model. It is 10\\\\% better w.r.t.~prior work.",
\t\t"DOI": "10.48550/arXiv.2501.01234",
\t\t"note": "arXiv:2501.01234 [cs]",
\t\t"number": "arXiv:2501.01234",
\t\t"publisher": "arXiv",
\t\t"source": "arXiv.org",
\t\t"title": "Mirage: <i>One-Step</i> Video Diffusion in $\\\\mathcal{O}(n)$",
\t\t"title-short": "Mirage",
\t\t"URL": "http://arxiv.org/abs/2501.01234",
\t\t"author": [
\t\t\t{"family": "Müller", "given": "Jörg"},
\t\t\t{"family": "Café", "given": "René"},
\t\t\t{"literal": "OpenAI Team"}
\t\t],
\t\t"accessed": {"date-parts": [["2025", 1, 20]]},
\t\t"issued": {"date-parts": [["2025", 1, 15]]},
\t\t"keyword": "Computer Science - Machine Learning, Video"
\t},
\t{
\t\t"id": "http://zotero.org/users/1234567/items/EFGH6789",
\t\t"type": "paper-conference",
\t\t"container-title": "Advances in Neural Information Processing Systems",
\t\t"title": "Attention Is All You Need",
\t\t"URL": "https://papers.nips.cc/paper/7181",
\t\t"volume": "30",
\t\t"author": [
\t\t\t{"family": "Vaswani", "given": "Ashish"},
\t\t\t{"family": "Fontaine", "given": "Jean", "non-dropping-particle": "de la", "suffix": "Jr."}
\t\t],
\t\t"issued": {"date-parts": [[2017]]}
\t}
]
"""

BETTER_BIBTEX = {
    "config": {"id": "36a3b0b5-bad0-4a04-b79b-441c7cef77db"},
    "items": [
        {
            "id": "smith2024scaling",
            "citation-key": "smith2024scaling",
            "type": "article-journal",
            "title": 'Scaling Laws for <span class="nocase">LLM</span> Agents',
            "container-title": "Journal of Agents",
            "DOI": "https://doi.org/10.1000/agents.42",
            "issued": {"raw": "2024-06-03"},
            "keyword": "agents; scaling",
            "author": [{"family": "Smith", "given": "John"}],
        },
        {
            "id": "lee2023tiny",
            "type": "report",
            "title": "Tiny models",
            "issued": {"literal": "Spring 2023"},
            "note": "arXiv: 2303.04567",
        },
    ],
}


def test_zotero_export_items_with_their_lines() -> None:
    entries, problems = csljson.parse(ZOTERO, "seeds/zotero.json")
    assert problems == []
    mirage, attention = entries
    assert mirage.ref.line == 2 and attention.ref.line == 23
    assert mirage.format == "csl-json"
    assert mirage.authors == ("Jörg Müller", "René Café", "OpenAI Team")
    assert mirage.year == 2025
    assert mirage.venue == "arXiv"
    assert mirage.arxiv == "2501.01234"
    assert mirage.doi == "10.48550/arXiv.2501.01234"
    assert mirage.url == "http://arxiv.org/abs/2501.01234"
    assert mirage.tags == ("Computer Science - Machine Learning", "Video")
    assert attention.venue == "Advances in Neural Information Processing Systems"
    assert attention.authors == ("Ashish Vaswani", "Jean de la Fontaine, Jr.")
    assert attention.year == 2017
    assert attention.abstract == ""
    assert attention.arxiv is None


def test_rich_text_markup_and_latex_are_cleaned() -> None:
    entries, _ = csljson.parse(ZOTERO, "seeds/zotero.json")
    cleaned = clean_entry(entries[0])
    assert cleaned.title is not None
    assert cleaned.title.plain.startswith("Mirage: One-Step Video Diffusion in ")
    assert "<i>" not in cleaned.title.html and "<math" in cleaned.title.html
    assert cleaned.abstract.plain.endswith("10% better w.r.t.\xa0prior work.")


def test_better_bibtex_items_object() -> None:
    text = json.dumps(BETTER_BIBTEX, indent=2)
    fmt = detect_format(text, ".json")
    assert fmt is not None and fmt.name == "csl-json"
    entries, problems = csljson.parse(text, "seeds/bbt.json")
    assert problems == []
    scaling, tiny = entries
    assert scaling.ref.line == text.splitlines().index("    {") + 1
    assert scaling.title == "Scaling Laws for LLM Agents"
    assert (scaling.doi, scaling.year, scaling.tags) == (
        "10.1000/agents.42",
        2024,
        ("agents", "scaling"),
    )
    assert (tiny.year, tiny.arxiv, tiny.authors) == (2023, "2303.04567", ())


def test_compact_export_lines() -> None:
    text = '[{"type": "article", "title": "A"},\n\n {"type": "book", "title": "B"}]'
    entries, _ = csljson.parse(text, "x.json")
    assert [(e.title, e.ref.line) for e in entries] == [("A", 1), ("B", 3)]


def test_invalid_json_is_reported_at_its_line() -> None:
    text = '[\n  {"type": "article", "title": "A"},\n  {"type": "article", "title": "B",}\n]\n'
    assert csljson.sniff(text, ".json")
    entries, problems = csljson.parse(text, "seeds/bad.json")
    assert entries == []
    assert len(problems) == 1
    assert problems[0].line == 3
    assert str(problems[0]).startswith("seeds/bad.json:3: error: invalid JSON:")


def test_bad_items_are_reported_and_the_rest_load() -> None:
    text = (
        "[\n"
        '  {"type": "article", "title": "Good"},\n'
        '  "not an item",\n'
        '  {"type": "article", "title": {"a": "map"}, "abstract": "Kept abstract."},\n'
        '  {"type": "article", "id": "empty"},\n'
        '  {"type": "article", "title": "Also good", "author": "Smith"}\n'
        "]\n"
    )
    entries, problems = csljson.parse(text, "seeds/x.json")
    assert [(e.title, e.abstract, e.ref.line) for e in entries] == [
        ("Good", "", 2),
        (None, "Kept abstract.", 4),
        ("Also good", "", 6),
    ]
    assert [(p.line, p.severity) for p in problems] == [
        (3, Severity.WARNING),  # skipped: one bad item never stops a site
        (4, Severity.WARNING),
        (5, Severity.WARNING),
    ]
    assert "'empty' has neither title nor abstract" in problems[2].message
    assert entries[2].authors == ("Smith",)  # a name list written as one string is read


def test_sniff() -> None:
    assert csljson.sniff("[]", ".json")
    assert csljson.sniff('  [{"title": "x"}]', ".txt")
    assert not csljson.sniff('{"name": "package.json"}', ".json")
    assert not csljson.sniff("[1, 2, 3]", ".json")
    assert not csljson.sniff("Abstract: [x]", ".txt")
    assert csljson.sniff("[{broken", ".json")


def test_csl_and_bib_and_dump_dedupe(make_project: Callable[..., Path]) -> None:
    abstract = "We introduce Mirage, an audio-to-video foundation model. It is 10\\% better."
    root = make_project(
        {
            "seeds/000.txt": f"Abstract:{abstract}\n",
            "seeds/zotero.json": json.dumps(
                [
                    {
                        "type": "article",
                        "title": "Mirage: Audio to Video",
                        "abstract": abstract,
                        "author": [{"family": "Doe", "given": "Jane"}],
                        "issued": {"date-parts": [[2025]]},
                    }
                ],
                indent=1,
            ),
        }
    )
    settings, _ = load_settings(root)
    catalog = load(settings).catalog
    assert catalog is not None
    (paper,) = catalog.papers
    assert (paper.key, paper.authors, paper.year) == ("mirage-audio-to-video", ("Jane Doe",), 2025)
    assert [str(s) for s in paper.sources] == ["seeds/000.txt:1", "seeds/zotero.json:2"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "title",
                    "type",
                    "author",
                    "issued",
                    "keyword",
                    "DOI",
                    "URL",
                    "note",
                    "number",
                    "abstract",
                    "container-title",
                    "date-parts",
                    "raw",
                    "family",
                    "given",
                    "literal",
                    "items",
                ]
            ),
            inner,
            max_size=6,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.booleans())
def test_any_json_never_raises(value: object, pretty: bool) -> None:
    text = json.dumps(value, indent=2 if pretty else None)
    entries, problems = csljson.parse(text, "x.json")
    assert all(e.title or e.abstract for e in entries)
    assert all(p.line is None or 1 <= p.line <= text.count("\n") + 1 for p in problems)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    csljson.sniff(text, ".json")
    entries, problems = csljson.parse(text, "x.json")
    assert isinstance(entries, list) and isinstance(problems, list)


def test_a_whole_date_written_as_a_date_part_gives_its_year() -> None:
    text = '[{"type": "book", "title": "T", "issued": {"date-parts": [["2019-05-01"]]}}]'
    (entry,), problems = csljson.parse(text, "seeds/x.json")
    assert (entry.year, problems) == (2019, [])


def test_issued_dates_as_other_tools_write_them_give_their_year() -> None:
    """Zotero's strings, a flat list, a bare string, pandoc-citeproc's list of parts."""
    shapes = [
        {"date-parts": [["2021", "5", "26"]]},
        {"date-parts": [2020, 5]},
        {"date-parts": "2019"},
        [{"year": 2018, "month": 5}],
        [{"year": "2017"}],
        {"raw": "2016-11-02"},
        {"date-parts": [[]]},
    ]
    items = [{"type": "article", "title": f"T{n}", "issued": d} for n, d in enumerate(shapes)]
    entries, problems = csljson.parse(json.dumps(items), "seeds/lib.json")
    assert [e.year for e in entries] == [2021, 2020, 2019, 2018, 2017, 2016, None]
    assert problems == []


def test_a_family_name_that_holds_its_particle_is_not_given_it_twice() -> None:
    people = [
        {"family": "van der Berg", "given": "Anna", "non-dropping-particle": "van der"},
        {"family": "Berg", "given": "Bert", "non-dropping-particle": "van den"},
        {"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"},
        {"literal": "DeepMind Team"},
    ]
    item = {"type": "article", "title": "T", "author": people}
    (entry,), _ = csljson.parse(json.dumps([item]), "seeds/lib.json")
    assert entry.authors == (
        "Anna van der Berg",
        "Bert van den Berg",
        "Ludwig van Beethoven",
        "DeepMind Team",
    )
