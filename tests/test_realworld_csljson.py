"""CSL-JSON as found in users' real files: each case is a trimmed excerpt of a public file
whose papers an earlier sitegen misread."""

from __future__ import annotations

from sitegen.sources import csljson, parse_seed_text

OLD_ZOTERO = """[
\t{
\t\t"id": 28,
\t\t"type": "report",
\t\t"language": "english"
\t\t, "author": [
\t\t\t{
\t\t\t\t"family": "",
\t\t\t\t"given": "Open Mobile Alliance"
\t\t\t}
\t\t],
\t\t"title": "User agent profile",
\t\t"URL": "https://www.openmobilealliance.org/release/UAProf/OMA-UAProf-V2_0-20030520-C.PDF",
\t\t"issued": {
\t\t\t"date_parts": [
\t\t\t\t[
\t\t\t\t\t"2003",
\t\t\t\t\t5
\t\t\t\t]
\t\t\t]
\t\t},
\t\t"citation-key": "uaprof_oma:2003"
\t}
]
"""


def test_date_parts_spelled_with_an_underscore_give_the_year() -> None:
    # A thesis's references.json, exported by an older Zotero: "date_parts".
    entries, problems = csljson.parse(OLD_ZOTERO, "references.json")
    assert problems == []
    assert [(e.title, e.year, e.authors) for e in entries] == [
        ("User agent profile", 2003, ("Open Mobile Alliance",))
    ]


KEYED = """{
  "Knuth1984": {
    "id": "Knuth1984",
    "type": "article-journal",
    "title": "Literate Programming",
    "author": "Knuth, Donald E.",
    "container-title": "The Computer Journal",
    "issued": {"date-parts": [[1984]]}
  },
  "Lamport1994": {
    "id": "Lamport1994",
    "type": "book",
    "title": "LaTeX: A Document Preparation System",
    "author": [{"family": "Lamport", "given": "Leslie"}],
    "issued": {"date-parts": [[1994]]}
  }
}
"""


def test_items_keyed_by_id_and_an_author_written_as_one_string() -> None:
    # citeproc-js takes its items keyed by id, and its users' files keep them so; some
    # tools write the authors as one BibTeX-like string.
    entries, problems = parse_seed_text(KEYED, "citations.json", ".json")
    assert problems == []
    assert [(e.title, e.authors, e.year, e.ref.line) for e in entries] == [
        ("Literate Programming", ("Donald E. Knuth",), 1984, 2),
        ("LaTeX: A Document Preparation System", ("Leslie Lamport",), 1994, 10),
    ]
