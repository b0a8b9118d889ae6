"""Load every input into one immutable ``Catalog`` before anything renders.

Order: seeds -> clean -> dedupe -> keys -> topics -> annotations -> lists ->
papers -> related. Problems from every stage are collected; errors stop the
build after all inputs were read, so one run lists everything to fix.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sitegen.cache import StageCache
from sitegen.catalog.annotations import annotation_files
from sitegen.catalog.authors import find_people, with_papers
from sitegen.catalog.dedupe import Merge, MergedPaper
from sitegen.catalog.lists import list_files, load_lists
from sitegen.catalog.stages import (
    CatalogMemory,
    MadePaper,
    RelatedPaper,
    assign_topics,
    clean_entry,
    load_notes,
    load_seeds,
    related_indexes,
)
from sitegen.catalog.titles import infer_title
from sitegen.catalog.topics import apply_topic_changes, load_topics
from sitegen.clean import clean_text
from sitegen.digest import blake
from sitegen.model import (
    UNSORTED,
    Annotation,
    Catalog,
    InputError,
    Paper,
    Problem,
    Severity,
)
from sitegen.settings import INPUT_FOLDERS, SETTINGS_FILE, Settings
from sitegen.sources import (
    NOT_UTF8,
    TOO_MANY_FOLDERS,
    display_path,
    printable,
    unread_subfolders,
    unreadable_names,
)
from sitegen.timing import PhaseTimer

TOPICS_FILE = "topics.yaml"


@dataclass(frozen=True, slots=True)
class Loaded:
    """What loading produced: the catalogue (None when errors stop it) and every problem."""

    catalog: Catalog | None
    problems: tuple[Problem, ...]
    merges: tuple[tuple[Merge, str], ...] = ()
    """Each merge of seed entries into one paper, with that paper's key."""

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop a build."""
        return [p for p in self.problems if p.severity is Severity.ERROR]

    def checked(self, strict: bool = False) -> Catalog:
        """The catalogue, or ``InputError`` naming its errors (and warnings when strict)."""
        failing = [p for p in self.problems if p.severity is Severity.ERROR or strict]
        if self.catalog is None or failing:
            raise InputError(failing or list(self.problems))
        return self.catalog


__all__ = ["Loaded", "clean_entry", "load", "load_catalog", "not_a_project"]


def _links(merged: MergedPaper, note: Annotation | None) -> tuple[tuple[str, str], ...]:
    """Annotation links first, then links derived from identifiers, no URL twice."""
    links: dict[str, str] = {}
    seen: set[str] = set()

    def add(name: str, url: str) -> None:
        if url not in seen and name not in links:
            links[name] = url
            seen.add(url)

    for name, url in note.links if note else ():
        add(name, url)
    arxiv = (note.arxiv if note and note.arxiv else None) or merged.arxiv
    if arxiv:
        add("arxiv", f"https://arxiv.org/abs/{arxiv}")
        add("pdf", f"https://arxiv.org/pdf/{arxiv}")
    doi = (note.doi if note and note.doi else None) or merged.doi
    if doi:
        add("doi", f"https://doi.org/{doi}")
    if merged.url and merged.url.startswith(("http://", "https://")):
        add("source", merged.url)
    return tuple(links.items())


def _paper(
    key: str,
    merged: MergedPaper,
    note: Annotation | None,
    topics: tuple[str, ...],
) -> Paper:
    inferred = merged.title is None
    title = merged.title or clean_text(infer_title(merged.abstract.plain))
    if note and note.title:
        title = clean_text(note.title)
        inferred = False
    tags = dict.fromkeys(merged.tags)
    if note:
        tags.update(dict.fromkeys(note.tags))
    return Paper(
        key=key,
        title=title,
        title_inferred=inferred,
        abstract=merged.abstract,
        sources=tuple(item.entry.ref for item in merged.entries),
        authors=(note.authors if note and note.authors else merged.authors),
        year=(note.year if note and note.year else merged.year),
        venue=(note.venue if note and note.venue else merged.venue),
        doi=(note.doi if note and note.doi else merged.doi),
        arxiv=(note.arxiv if note and note.arxiv else merged.arxiv),
        links=_links(merged, note),
        listed_on=merged.listed_on,
        status=(note.status if note and note.status else "unread"),
        rating=note.rating if note else None,
        tags=tuple(tags),
        topics=topics,
        summary=note.summary if note else None,
        notes=note.notes if note else None,
        quotes=note.quotes if note else (),
        read_on=note.read_on if note else None,
        related=note.related if note else (),
        annotation=note.ref.file if note else None,
        hidden=note.hidden if note else False,
    )


def _with_related(
    made: Sequence[MadePaper],
    count: int,
    seeds_key: str,
    retitled: Collection[str],
    stages: StageCache,
    memory: CatalogMemory,
) -> list[Paper]:
    """Hand-made related papers first, then the most similar by TF-IDF, up to ``count``;
    each paper with its digest.

    ``retitled``: keys of the papers whose annotation gives a ``title:``.
    """
    papers = [m.paper for m in made]
    similar = (
        related_indexes(papers, seeds_key, count, retitled, stages)
        if count
        else [() for _ in papers]
    )
    keys = tuple(p.key for p in papers)
    visible = frozenset(keys)
    # The same visible papers and count as this process's last build: reuse its choices.
    earlier = memory.related if memory.related_for == (keys, count) else {}
    chosen_now: dict[str, RelatedPaper] = {}
    result = []
    for one, found in zip(made, similar):
        paper = one.paper
        old = earlier.get(paper.key)
        if old is None or old.base != one.digest or old.similar != found:
            chosen = dict.fromkeys(k for k in paper.related if k in visible and k != paper.key)
            for index in found:
                if len(chosen) >= max(count, len(paper.related)):
                    break
                chosen.setdefault(keys[index])
            related = tuple(chosen)
            digest = blake(one.digest.encode(), "\0".join(related).encode()).hex()
            old = RelatedPaper(one.digest, found, replace(paper, related=related, digest=digest))
        chosen_now[paper.key] = old
        result.append(old.paper)
    memory.related, memory.related_for = chosen_now, (keys, count)
    return result


def _made(
    key: str,
    record: MergedPaper,
    digest: str,
    note: Annotation | None,
    assigned: tuple[str, ...],
    old: MadePaper | None,
) -> MadePaper:
    """The paper ``key`` made from its record, annotation and assigned topics (``old``:
    the last build's, kept when made from the same ones)."""
    if old is not None and old.record == digest and old.assigned == assigned and old.note == note:
        return old
    changed = apply_topic_changes(
        assigned, note.topics_add if note else (), note.topics_remove if note else ()
    )
    paper = _paper(key, record, note, changed)
    if old is not None and paper == old.paper:  # its annotation only moved to other lines
        return MadePaper(digest, note, assigned, old.paper, old.digest)
    made = blake(repr(paper).encode("utf-8", "surrogatepass")).hex()
    # its digest until related papers are chosen (the browser index's, which needs none):
    # set on the paper just made, which no one else holds yet
    object.__setattr__(paper, "digest", made)
    return MadePaper(digest, note, assigned, paper, made)


def load(
    settings: Settings,
    timer: PhaseTimer | None = None,
    stages: StageCache | None = None,
    memory: CatalogMemory | None = None,
    unrelated: Callable[[Catalog], object] | None = None,
) -> Loaded:
    """Read and validate every input of the project; never raises on bad input.

    ``stages`` holds results of earlier loads (see ``sitegen.catalog.stages``);
    without one, everything is computed and nothing is kept. ``unrelated`` is given
    the catalogue before related papers are chosen, if it has no error (the browser
    index needs no related papers: ``sitegen build`` starts it there).
    """
    timer = timer or PhaseTimer()
    stages = stages if stages is not None else StageCache(None)
    memory = memory if memory is not None else CatalogMemory()
    root = settings.root
    problems = unreadable_names(root, INPUT_FOLDERS)
    problems += unread_subfolders(root, ("seeds", "content/lists"))
    if any(p.message in (NOT_UTF8, TOO_MANY_FOLDERS) for p in problems):  # stop there
        return Loaded(None, tuple(problems), ())

    wrong_folder = not_a_project(root)
    if wrong_folder is not None:
        return Loaded(None, (wrong_folder,), ())

    with timer.phase("load"):
        seeds = load_seeds(settings.seeds_dir, root, stages)
        problems.extend(seeds.problems)
        topics_path = settings.content_dir / TOPICS_FILE
        topics, found = load_topics(topics_path, display_path(topics_path, root))
        problems.extend(found)
        missing = _no_seeds(settings, bool(seeds.keys))
        if missing is not None:  # one message, not an unknown key for every annotation
            problems.insert(0, missing)
            if missing.severity is Severity.ERROR:
                return Loaded(None, tuple(dict.fromkeys(problems)), ())

    with timer.phase("catalog"):
        keys = seeds.keys
        slugs = [t.slug for t in topics]
        notes, found = load_notes(settings.content_dir, root, keys, slugs, stages, memory)
        problems.extend(found)
        rule_topics, found = assign_topics(seeds, topics, topics_path, stages)
        problems.extend(found)
        earlier = memory.papers
        memory.papers = {
            key: _made(key, record, digest, notes.get(key), assigned, earlier.get(key))
            for key, record, digest, assigned in zip(keys, seeds.merged, seeds.digests, rule_topics)
        }
        papers = [m.paper for m in memory.papers.values()]
        hidden = frozenset(p.key for p in papers if p.hidden)
        made = [m for m in memory.papers.values() if not m.paper.hidden]
        lists, found = load_lists(settings.content_dir, root, [p.key for p in papers])
        problems.extend(found)

    merges = tuple((m, key) for key, record in zip(keys, seeds.merged) for m in record.merges)
    problems = list(dict.fromkeys(problems))  # a FIFO's name checked, then read: said once
    if any(p.severity is Severity.ERROR for p in problems):
        return Loaded(None, tuple(problems), merges)
    all_topics = list(topics)
    if any(UNSORTED.slug in m.paper.topics for m in made):
        all_topics.append(UNSORTED)
    catalog = Catalog(  # its papers come below: the catalogue indexes them when made
        papers=(),
        topics=tuple(all_topics),
        lists=tuple(lists),
        entry_count=seeds.entry_count,
        problems=tuple(problems),
        hidden_keys=hidden,
        annotation_refs={key: note.ref for key, note in notes.items()},
    )
    if unrelated is not None:
        unrelated(replace(catalog, papers=tuple(m.paper for m in made)))
    with timer.phase("related"):
        retitled = frozenset(key for key, note in notes.items() if note.title)
        visible = _with_related(made, settings.related_count, seeds.key, retitled, stages, memory)

    written = tuple(paper.authors for paper in visible)
    if memory.people[0] != written:
        memory.people = (written, find_people(written))
    authors = with_papers(memory.people[1], visible)
    return Loaded(replace(catalog, papers=tuple(visible), authors=authors), tuple(problems), merges)


def not_a_project(root: Path) -> Problem | None:
    """The error of a folder that holds no project at all (the wrong folder, most likely):
    none of ``sitegen.yaml``, ``seeds/`` and ``content/``, as Hugo and MkDocs stop
    without their configuration. A plain file named ``seeds`` or ``content`` (a note, a
    download) makes no project; a folder, or a link (which may be broken), does."""
    if os.path.lexists(root / SETTINGS_FILE) or any(
        os.path.isdir(root / name) or os.path.islink(root / name) for name in ("seeds", "content")
    ):
        return None
    where = printable(str(root.resolve()))
    said = (
        f"not a sitegen project: no {SETTINGS_FILE}, seeds/ or content/ here; start one with "
        "'sitegen init', or name the project's folder: 'sitegen -C PATH' before the command"
    )
    return Problem(where, None, said)


def _no_seeds(settings: Settings, has_papers: bool) -> Problem | None:
    """The error of a project whose ``seeds/`` is missing, or gives no paper while its
    annotations or lists name papers (a clone without its seeds, or the wrong folder);
    None when the seeds give papers, or when an empty ``seeds/`` is all there is."""
    if has_papers:
        return None
    content = settings.content_dir
    naming = [*annotation_files(content), *list_files(content / "lists")]
    where = printable(str(settings.root))
    if not settings.seeds_dir.is_dir():
        said = (
            "seeds is not a folder" if os.path.lexists(settings.seeds_dir) else "no seeds/ folder"
        )
        said += f" in {where}: the papers come from the abstract dumps and bibliographies "
        said += "(.txt, .bib, .json) in it"
    elif naming:
        said = f"seeds/ in {where} gives no papers"
    else:
        return None  # a new, empty project builds an empty site
    if naming:
        more = f" and {len(naming) - 1} other files" if len(naming) > 1 else ""
        said += f", yet {display_path(naming[0], settings.root)}{more} name papers"
    said += (
        "; put the project's seed files in seeds/, or name the project's folder: "
        "'sitegen -C PATH' before the command"
    )
    return Problem("seeds", None, said)


def load_catalog(settings: Settings) -> Catalog:
    """The catalogue, or ``InputError`` listing every error."""
    return load(settings).checked()
