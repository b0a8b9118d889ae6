"""Suggest topics for papers no topic fits: cluster them, name clusters by their top terms.

Papers are vectorised with TF-IDF over title and abstract (words and two-word
phrases), the term weights learnt from the whole catalogue so a term common to
every paper counts for little. The chosen papers are grouped with k-means
(fixed seed, so the same catalogue gives the same suggestions), and each group
is described by the terms that weigh most more in it than in the rest of the
catalogue. Those terms become the suggested topic's slug, name and keywords,
printed as ``topics.yaml`` entries to review and paste.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import yaml
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from sitegen.catalog.keys import cut_slug, slugify
from sitegen.model import UNSORTED, Catalog, Paper

MAX_KEYWORDS = 6
MIN_KEYWORDS = 3
EXAMPLE_TITLES = 3
MAX_SLUG_LENGTH = 40
MAX_FEATURES = 50_000
"""Largest vocabulary kept, so ``--all`` on a large catalogue stays bounded."""

# Words every abstract uses. Alone they say nothing about a topic ("we propose a
# novel method"); next to a telling word they may ("reinforcement learning").
GENERIC_WORDS = frozenset(
    """
    paper papers propose proposes proposed proposing present presents presented introduce
    introduces introduced method methods approach approaches result results show shows
    shown showing demonstrate demonstrates demonstrated novel new existing work works
    based using use used uses achieve achieves achieved achieving performance
    state art significantly significant improve improves improved improving improvement
    improvements outperform outperforms outperforming prior previous recent recently
    study studies task tasks framework frameworks problem problems
    experiments experimental experiment evaluate evaluated evaluation
    finally furthermore moreover additionally address addresses challenge challenges
    challenging key effective effectively efficient efficiently various different
    large larger small simple simply able allows allow enables enable enabling
    including include includes provide provides provided well better best high
    highly wide widely range number set way ways make makes making need needs
    lead leads leading data model models learning trained training train
    pre non multi co sub re
    """.split()
)

_PHRASE_BREAK = re.compile(r"[^\w\s\-]+")
_WORD_BREAK = re.compile(r"[\s\-_]+")
_TOKEN = re.compile(r"[a-z][a-z0-9]+")


def paper_terms(text: str) -> list[str]:
    """Words and two-word phrases of a text that could serve as topic keywords.

    A phrase is two words the text writes next to each other (across a space or
    hyphen, not across punctuation or a dropped word), so every term is one the
    topic matcher finds in the text again. English stop words are never part of
    a term; a generic research word only next to a telling one.
    """
    terms: list[str] = []
    for phrase in _PHRASE_BREAK.split(text.lower()):
        previous: str | None = None
        for word in _WORD_BREAK.split(phrase):
            if not _TOKEN.fullmatch(word) or word in ENGLISH_STOP_WORDS:
                previous = None
                continue
            if word not in GENERIC_WORDS:
                terms.append(word)
            if previous is not None and not (previous in GENERIC_WORDS and word in GENERIC_WORDS):
                terms.append(f"{previous} {word}")
            previous = word
    return terms


@dataclass(frozen=True, slots=True)
class TopicSuggestion:
    """A proposed topic: a cluster of papers and the terms that set it apart."""

    slug: str
    """Unique against existing topics and the other suggestions."""
    name: str
    keywords: tuple[str, ...]
    """Distinctive words and two-word phrases, most distinctive first."""
    papers: tuple[Paper, ...]
    """Members of the cluster, in catalogue order."""


def cluster_count(papers: int) -> int:
    """How many topics to propose for this many papers: about sqrt(n/2), at least 1."""
    return max(1, round(math.sqrt(papers / 2)))


def suggest_topics(
    catalog: Catalog, papers: Sequence[Paper], count: int | None = None
) -> list[TopicSuggestion]:
    """Cluster ``papers`` into about ``count`` topics (default from their number).

    Largest clusters first. Fewer are returned when the papers do not differ
    enough to fill ``count`` clusters.
    """
    if not papers:
        return []
    corpus = list(catalog.papers)
    known = {p.key for p in corpus}
    corpus.extend(p for p in papers if p.key not in known)
    row_of = {p.key: row for row, p in enumerate(corpus)}
    vectorizer = TfidfVectorizer(
        analyzer=paper_terms,
        sublinear_tf=True,
        max_features=MAX_FEATURES,
        dtype=np.float64,
    )
    taken = {t.slug for t in catalog.topics} | {UNSORTED.slug}  # a suggestion's slug is new
    try:
        matrix: csr_matrix = vectorizer.fit_transform([_text(p) for p in corpus]).tocsr()
    except ValueError:
        # Every text is stop words: there are no terms to cluster on or name by.
        return [_suggestion(tuple(papers), (), taken)]
    terms = vectorizer.get_feature_names_out()
    rows = matrix[[row_of[p.key] for p in papers]]
    wanted = count if count is not None else cluster_count(len(papers))
    labels = _cluster(rows, min(wanted, _distinct_rows(rows)))
    total = np.asarray(matrix.sum(axis=0)).ravel()
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    ordered = sorted(groups.values(), key=lambda members: (-len(members), members[0]))
    suggestions = []
    for members in ordered:
        inside = np.asarray(rows[members].sum(axis=0)).ravel()
        outside_count = matrix.shape[0] - len(members)
        inside_mean = inside / len(members)
        outside_mean = (total - inside) / outside_count if outside_count else 0.0
        keywords = _keywords(terms, inside_mean - outside_mean, inside_mean)
        member_papers = tuple(papers[i] for i in members)
        suggestion = _suggestion(member_papers, keywords, taken)
        taken.add(suggestion.slug)
        suggestions.append(suggestion)
    return suggestions


def _text(paper: Paper) -> str:
    # The title twice: it says what the paper is about more surely than the abstract.
    return f"{paper.title.plain}\n{paper.title.plain}\n{paper.abstract.plain}"


def _distinct_rows(rows: csr_matrix) -> int:
    """Number of different vectors: k-means cannot make more clusters than that."""
    seen: set[tuple[bytes, bytes]] = set()
    for row in range(rows.shape[0]):
        start, stop = rows.indptr[row], rows.indptr[row + 1]
        seen.add((rows.indices[start:stop].tobytes(), rows.data[start:stop].round(9).tobytes()))
    return len(seen)


def _cluster(rows: csr_matrix, clusters: int) -> NDArray[np.int_]:
    """Cluster labels of the rows: k-means with a fixed seed, so runs agree."""
    size = int(rows.shape[0])
    if clusters <= 1 or size <= 1:
        return np.zeros(size, dtype=np.int_)
    model = KMeans(n_clusters=clusters, random_state=0, n_init=10)
    labels: NDArray[np.int_] = model.fit_predict(rows)
    return labels


def _keywords(
    terms: Sequence[str], distinct: NDArray[np.float64], weight: NDArray[np.float64]
) -> tuple[str, ...]:
    """The most distinctive terms present in the cluster, without repeating words."""
    candidates = [int(i) for i in np.flatnonzero(weight > 0) if distinct[i] > 0]
    candidates.sort(key=lambda i: (-distinct[i], terms[i]))
    if not candidates:
        return ()
    top = distinct[candidates[0]]
    chosen: list[str] = []
    covered: set[str] = set()
    for index in candidates:
        term = str(terms[index])
        words = {_stem(word) for word in term.split()}
        if words <= covered:
            continue  # "agent" after "agents"; "video" after "video generation"
        if len(chosen) >= MIN_KEYWORDS and distinct[index] < top / 3:
            break
        chosen.append(term)
        covered.update(words)
        if len(chosen) >= MAX_KEYWORDS:
            break
    return tuple(chosen)


def _stem(word: str) -> str:
    """A word without its plural ``s``, so "agent" and "agents" count as one."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _suggestion(
    papers: tuple[Paper, ...], keywords: tuple[str, ...], taken: set[str]
) -> TopicSuggestion:
    name = _name(keywords)
    base = cut_slug(slugify(name.replace(" and ", " ")), MAX_SLUG_LENGTH) or "new-topic"
    slug = base
    number = 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return TopicSuggestion(slug, name[:1].upper() + name[1:], keywords, papers)


def _name(keywords: tuple[str, ...]) -> str:
    """The top two terms, or the one that contains the other ("imitation learning")."""
    if not keywords:
        return "new topic"
    first = keywords[0]
    if len(keywords) == 1:
        return first
    second = keywords[1]
    first_words = {_stem(w) for w in first.split()}
    second_words = {_stem(w) for w in second.split()}
    if first_words <= second_words:
        return second
    if second_words <= first_words:
        return first
    return f"{first} and {second}"


def suggestions_yaml(suggestions: Iterable[TopicSuggestion], described: str) -> str:
    """The suggestions as ``topics.yaml`` list items, with comments, ready to append."""
    lines = [
        f"# Topics suggested by `sitegen topics suggest` for {described}.",
        "# Review names and keywords, write a description, then append to content/topics.yaml.",
    ]
    for suggestion in suggestions:
        size = len(suggestion.papers)
        lines += [
            "",
            f"- slug: {suggestion.slug}",
            f"  name: {_scalar(suggestion.name)}",
            "  # description: >-",
            "  #   What belongs in this topic, in a sentence or two (Markdown).",
        ]
        if suggestion.keywords:
            lines.append("  keywords:")
            lines += [f"    - {_scalar(term)}" for term in suggestion.keywords]
        lines.append(f"  # {size} paper{'' if size == 1 else 's'}, for example:")
        lines += [
            f"  #   {' '.join(p.title.plain.split())}" for p in suggestion.papers[:EXAMPLE_TITLES]
        ]
    return "\n".join(lines) + "\n"


def _scalar(text: str) -> str:
    """A YAML scalar for ``text``: plain when YAML reads it back as the same text."""
    try:
        plain = yaml.safe_load(text) == text and " #" not in text and ": " not in text
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)


def suggest_text(catalog: Catalog, *, every_paper: bool = False, count: int | None = None) -> str:
    """What ``sitegen topics suggest`` prints: YAML entries, or why there are none."""
    if every_paper:
        papers = list(catalog.papers)
        described = f"all {len(papers)} papers"
    else:
        papers = [p for p in catalog.papers if p.topics == (UNSORTED.slug,)]
        described = f"the {len(papers)} unsorted paper{'' if len(papers) == 1 else 's'}"
    if not papers:
        if every_paper:
            return "# No papers to suggest topics for: seeds/ holds none.\n"
        return (
            "# No unsorted papers: every paper fits a topic.\n"
            "# Run `sitegen topics suggest --all` to cluster all papers instead.\n"
        )
    return suggestions_yaml(suggest_topics(catalog, papers, count), described)
