"""Terminal search: query the Whoosh index of the catalogue (``whoosh_index.py``).

Text fields use a light plural stemmer (``models`` finds ``model``) rather than
Porter's, so fuzzy terms still compare against near-surface words: ``~`` allows
one edit, with a transposition counting as one (``diffusoin~`` finds
``diffusion``). Ranking is BM25F with the title boosted over the summary and
both over abstract and notes, so a paper whose title is the query comes first.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from whoosh import fields, index, qparser, query, scoring
from whoosh.support.levenshtein import damerau_levenshtein

from sitegen.search.whoosh_index import index_dir, make_schema
from sitegen.settings import Settings

TEXT_FIELDS = ("title", "summary", "abstract", "notes")
"""Fields a query word searches when it names no field."""
FIELD_ALIASES = {"tags": ["tag"], "topics": ["topic"]}
"""``tag:x`` searches ``tags``, ``topic:x`` searches ``topics``."""


class QuerySyntaxError(ValueError):
    """The query cannot be parsed or names a field the index does not have."""


class TypoTerm(query.FuzzyTerm):  # type: ignore[misc]  # whoosh is untyped
    """A fuzzy term where swapping two neighbouring letters counts as one edit."""

    def _btexts(self, ixreader: Any) -> Iterator[str]:
        # Whoosh's automaton counts a transposition as two edits: widen by one,
        # then keep the words within the Damerau-Levenshtein distance asked for.
        for word in ixreader.terms_within(
            self.fieldname, self.text, self.maxdist + 1, prefix=self.prefixlength
        ):
            if damerau_levenshtein(word, self.text) <= self.maxdist:
                yield word


class TypoTermPlugin(qparser.FuzzyTermPlugin):  # type: ignore[misc]
    """``word~`` (one edit), ``word~2`` (two edits) with transpositions as one edit."""

    class FuzzyTermNode(qparser.FuzzyTermPlugin.FuzzyTermNode):  # type: ignore[misc]
        qclass = TypoTerm


def make_parser(schema: fields.Schema) -> qparser.QueryParser:
    """The query parser: all words must match, in any text field unless one is named."""
    parser = qparser.MultifieldParser(list(TEXT_FIELDS), schema, group=qparser.AndGroup)
    parser.add_plugin(TypoTermPlugin())
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    return parser


QUERY_FIELDS = ("title", "summary", "abstract", "notes", "tag", "topic", "status", "year")
"""Field names a query may use (``tags``/``topics`` work too)."""
_FIELD = re.compile(r'"[^"]*"|(?<![\w.:/-])([a-z_]+):(?=[^\s:/])')
"""A lowercase ``name:`` glued to a value is meant as a field (``Merlin:Empowering`` is not)."""
_QUESTION_MARK = re.compile(r"(?<=\w)\?+(?=[\s,.;:!)]|$)")


def parse_query(text: str, schema: fields.Schema | None = None) -> query.Query:
    """Parse a query; ``QuerySyntaxError`` if it cannot be used."""
    schema = schema or make_schema()
    for match in _FIELD.finditer(text):
        name = match.group(1)
        if name and name not in schema and name not in ("tag", "topic"):
            close = difflib.get_close_matches(name.lower(), QUERY_FIELDS, n=1)
            hint = f" (did you mean {close[0]}:?)" if close else ""
            raise QuerySyntaxError(
                f"unknown field {name}:{hint}; fields are {', '.join(QUERY_FIELDS)}"
            )
    # A question mark ending a word ends a question ("What is Essential?"), it is
    # not Whoosh's one-letter wildcard.
    text = _QUESTION_MARK.sub("", text)
    try:
        return make_parser(schema).parse(text)
    except Exception as exc:  # whoosh raises several types for bad syntax
        raise QuerySyntaxError(f"cannot parse query {text!r}: {exc}") from exc


@dataclass(frozen=True)
class Hit:
    """One search result."""

    key: str
    title: str
    score: float
    topics: tuple[str, ...]
    url: str
    """Site-relative URL (``papers/<key>/``)."""
    file: str
    """The annotation to edit (``file:line``), or the paper's first seed record."""


@dataclass(frozen=True)
class SearchResult:
    """Ranked hits, and whether the query had to be loosened to find any."""

    hits: list[Hit] = field(default_factory=list)
    loosened: bool = False
    """No paper matched every word, so papers matching some words are shown."""


def search_index(
    settings: Settings,
    text: str,
    *,
    topic: str | None = None,
    status: str | None = None,
    limit: int = 20,
) -> SearchResult:
    """Search the existing index (see ``ensure_index``), best first."""
    ix = index.open_dir(str(index_dir(settings.root)))
    try:
        parsed = parse_query(text, ix.schema)
        filters: list[query.Query] = []
        if topic:
            filters.append(query.Term("topics", topic.lower()))
        if status:
            filters.append(query.Term("status", status))
        only = query.And(filters) if filters else None
        with ix.searcher(weighting=scoring.BM25F()) as searcher:
            found = searcher.search(parsed, limit=limit, filter=only)
            loosened = False
            if found.is_empty() and _plain_words(text) and isinstance(parsed, query.And):
                loose = query.Or(parsed.subqueries, scale=0.9)
                found = searcher.search(loose, limit=limit, filter=only)
                loosened = not found.is_empty()
            hits = [
                Hit(
                    key=hit["key"],
                    title=hit["title"],
                    score=round(float(hit.score or 0.0), 4),
                    topics=tuple(t for t in hit.get("topics", "").split(",") if t),
                    url=hit.get("url", f"papers/{hit['key']}/"),
                    file=hit.get("file", ""),
                )
                for hit in found
            ]
    finally:
        ix.close()
    return SearchResult(hits, loosened)


def _plain_words(text: str) -> bool:
    """Whether a query is just words: no fields, phrases, groups or operators to honour."""
    return not re.search(r'["()]|\b(AND|OR|NOT)\b|\w:\S', text)


def topics_in_index(settings: Settings) -> list[str]:
    """Every topic slug some indexed paper has (for did-you-mean messages)."""
    ix = index.open_dir(str(index_dir(settings.root)))
    try:
        with ix.reader() as reader:
            return sorted(
                t.decode() if isinstance(t, bytes) else t for t in reader.lexicon("topics")
            )
    finally:
        ix.close()
