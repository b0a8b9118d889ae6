"""Each paper's citation key, BibTeX entry and CSL-JSON item (one key per paper across
the paper pages and every export), made again only for the papers that changed."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sitegen.bibliography import bibtex_entry, citation_keys, citation_stem, csl_item
from sitegen.incremental import PlanMemory
from sitegen.json_text import indented_json
from sitegen.model import Catalog, Paper
from sitegen.settings import Settings


@dataclass(frozen=True)
class Citations:
    """Each paper's citation key, BibTeX entry and CSL-JSON item, by paper key."""

    keys: Mapping[str, str]
    entries: Mapping[str, str]
    entry_digests: Mapping[str, str]
    """Digest of each entry: what exports listing it are digested by."""
    items: Mapping[str, str]
    """CSL-JSON item texts (``csl_text``)."""
    item_digests: Mapping[str, str]
    changed: frozenset[str] | None
    """Keys of the papers changed since the last plan (None: every paper may have)."""


def csl_text(paper: Paper, key: str, *, notes: bool = False) -> str:
    """A paper's CSL-JSON item as it stands in the export's list (one level in)."""
    # JSON strings never hold a raw newline.
    return indented_json(csl_item(paper, key, notes=notes)).replace("\n", "\n ")


def citations(catalog: Catalog, settings: Settings, memory: PlanMemory) -> Citations:
    """Citation keys, BibTeX entries and CSL-JSON items of the catalogue's papers; in a
    long-lived process only those of papers changed since the last plan
    (``PlanMemory.changed_since``) or whose citation key moved are made again."""
    papers = catalog.papers
    changed = memory.changed_since(catalog, settings)
    texts = memory.texts
    stems = texts.stems
    before = {key: stems.texts.get(key) for key in changed or ()}
    stems.update(papers_to_make(catalog, changed), citation_stem, fresh=changed is None)
    keys = texts.citation_keys
    redo: Collection[str] | None = changed
    if changed is None or any(stems.texts.get(key) != before[key] for key in changed):
        # A stem moved: keys of the papers sharing it (``a``, ``b``, ...) may move too.
        keys = citation_keys(papers, stems.texts)
        if changed is not None:
            redo = {*changed, *(k for k, c in keys.items() if texts.citation_keys.get(k) != c)}
        texts.citation_keys = keys
    chosen, fresh = papers_to_make(catalog, redo), redo is None
    notes = settings.export_notes  # a settings change makes every text again
    bibtex, csl = texts.bibtex, texts.csl
    bibtex.update(chosen, lambda p: bibtex_entry(p, keys[p.key], notes=notes), fresh=fresh)
    csl.update(chosen, lambda p: csl_text(p, keys[p.key], notes=notes), fresh=fresh)
    return Citations(keys, bibtex.texts, bibtex.digests, csl.texts, csl.digests, changed)


def papers_to_make(catalog: Catalog, keys: Collection[str] | None) -> list[Paper]:
    """The papers with these keys whose texts are made again (every paper for None)."""
    if keys is None:
        return list(catalog.papers)
    return [catalog.paper(key) for key in sorted(keys) if catalog.get(key)]
