"""The browser index: Pagefind bundles made from the catalogue's search records.

Papers are split into shards by a stable hash of their key; each shard is its
own Pagefind bundle in ``pagefind/<n>/``, and the search page searches them
together (Pagefind's ``mergeIndex``); a shard's word index is cut into chunks
as many times smaller than Pagefind's as there are shards, so a query fetches
about the bytes one bundle would. ``pagefind/shards.json`` lists the shards
with a digest of the records each holds: it is the index's own record of what
it last indexed. A run rebuilds only the shards whose digest differs (an edit
to one paper re-indexes one shard) and writes the list last, so a run that
fails or is killed is redone by the next one. Each shard is made in memory,
made canonical (``canonical.py``: the same records give the same bytes) and
written into the output file by file, its entry file last, so a browser
searching during a rebuild sees the old or the new shard, never half of one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.cache import StageCache
from sitegen.search.canonical import PAGEFIND_CHUNK, canonicalize
from sitegen.search.records import SearchRecord
from sitegen.search.service import PagefindError, PagefindService
from sitegen.search.splice import ShardState, load_state, meta_of, save_state, splice_shard
from sitegen.yamlfile import read_regular

__all__ = [
    "BUNDLE",
    "MANIFEST",
    "PagefindError",
    "StagedIndex",
    "discard_written",
    "install_index",
    "remember_shards",
    "remove_index",
    "shard_count",
    "stage_index",
]

BUNDLE = "pagefind"
"""Folder of the index inside the output (``/pagefind/`` on the site)."""
MANIFEST = "shards.json"
"""The list of shards in ``BUNDLE``, with the digest of each one's records."""
FORMAT = 3
"""Bump when the bundles' layout or records change: every shard is rebuilt."""
PAPERS_PER_SHARD = 1_500
"""Papers per shard above which a site is split (docs/builds.md says why)."""
MAX_SHARDS = 6
PREVIEW_PAPERS_PER_SHARD = 250
"""The same for ``sitegen serve``, whose browser is on the same machine: many small
shards, so an edit re-indexes 250 papers, not 1,500."""
PREVIEW_MAX_SHARDS = 64
SPILL = ".sitegen-index"
"""Suffix of the folder beside the output where a build that replaces the output whole
writes its shards while pages render (``<out>.sitegen-index/<n>/``): putting 11,000
files in place one by one after the pages took 1-6 s of a cold 10,000-paper build."""
ENTRY = "pagefind-entry.json"
"""The file of a shard that names its other files: written last."""
Made = tuple[tuple[str, str], ...]
"""Each record's paper key and digest, in page order: what a shard was made from."""


def shard_count(papers: int, *, preview: bool = False) -> int:
    """How many shards a catalogue of ``papers`` is split into (1 for small sites), for
    a deployed site or for ``sitegen serve``'s ``preview``."""
    if preview:
        return max(1, min(PREVIEW_MAX_SHARDS, -(-papers // PREVIEW_PAPERS_PER_SHARD)))
    return max(1, min(MAX_SHARDS, -(-papers // PAPERS_PER_SHARD)))


def shard_of(key: str, shards: int) -> int:
    """The shard a paper's record goes to: stable across builds and machines."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % shards


@dataclass(frozen=True)
class Shard:
    """One bundle of the index: its name and the digest of the records it holds."""

    name: str
    digest: str


def shard_digest(records: Sequence[SearchRecord], chunk_locations: int) -> str:
    """Changes exactly when a shard of these records, cut into chunks of
    ``chunk_locations`` postings, would differ."""
    digest = hashlib.blake2b(f"{FORMAT} {chunk_locations}".encode(), digest_size=16)
    for record in records:
        digest.update(record.digest.encode())
    return digest.hexdigest()


def plan_shards(keys: Iterable[str], *, preview: bool = False) -> list[list[str]]:
    """The paper keys of each shard, in key order."""
    ordered = sorted(keys)
    count = shard_count(len(ordered), preview=preview)
    groups: list[list[str]] = [[] for _ in range(count)]
    for key in ordered:
        groups[shard_of(key, count)].append(key)
    return groups


def indexed(output: Path) -> dict[str, str]:
    """The shards the output's index holds, by name, with their digests (``{}`` if none)."""
    try:
        manifest = json.loads(read_regular(output / BUNDLE / MANIFEST).decode("utf-8"))
        shards = manifest["shards"]
        return {
            str(name): str(digest)
            for name, digest in shards.items()
            if (output / BUNDLE / str(name) / ENTRY).is_file()
        }
    except (OSError, ValueError, KeyError, AttributeError):
        return {}


@dataclass(frozen=True)
class StagedIndex:
    """Shards made in memory, to be put in the output by ``install_index``."""

    shards: Sequence[Shard]
    """Every shard the index is to hold."""
    bundles: Mapping[str, Mapping[str, bytes | None]]
    """The files of each shard made again (path within the shard → bytes, None for a
    file kept as it is), by name."""
    states: Mapping[str, ShardState] = field(default_factory=dict)
    """What each shard made again was made from (``remember_shards`` keeps it)."""
    spliced: tuple[str, ...] = ()
    """The shards made again by a splice (``splice.py``) rather than whole."""
    written: Mapping[str, Path] = field(default_factory=dict)
    """Shards of an output being replaced whole, written already, by name: each a folder
    beside the output (``SPILL``) that ``install_index`` moves into place."""


def stage_index(
    keys: Iterable[str],
    records_of: Callable[[str, Sequence[str]], Sequence[SearchRecord]],
    output: Path,
    language: str,
    *,
    fresh: bool = False,
    preview: bool = False,
    stages: StageCache | None = None,
    previous: Mapping[str, Mapping[str, SearchRecord]] | None = None,
) -> StagedIndex:
    """Make the shards whose records differ from what ``output`` holds (every shard if
    ``fresh``: the output is being replaced whole), in ``preview`` shards or not. The
    records of the papers ``keys`` names are asked of ``records_of`` (shard name, keys)
    one shard at a time, so only one shard's are held while Pagefind (~100 KB a record)
    makes it. With ``stages``, where ``remember_shards`` kept what the shards were made
    from, a shard of a few changed records is spliced (``splice.py``; ``previous``: the
    records as last kept, by shard, as ``records_of`` found them)."""
    groups = plan_shards(keys, preview=preview)
    spill = output.with_name(output.name + SPILL) if fresh else None
    if spill is not None:
        shutil.rmtree(spill, ignore_errors=True)
    # a preview's browser is local: its many shards keep the deployed chunk size
    chunk = PAGEFIND_CHUNK // min(len(groups), MAX_SHARDS)
    have = {} if fresh else indexed(output)
    shards, states, spliced = [], {}, []
    written: dict[str, Path] = {}
    bundles: dict[str, Mapping[str, bytes | None]] = {}
    made_of: dict[
        str, tuple[Future[Mapping[str, bytes | None]] | Mapping[str, bytes | None], Shard, Made]
    ] = {}
    with contextlib.ExitStack() as started:
        running: list[PagefindService] = []
        # a shard Pagefind made is made canonical (Python) while it makes the next
        canonical = started.enter_context(ThreadPoolExecutor(1, "sitegen-canonical"))

        def service() -> PagefindService:
            if not running:
                running.append(started.enter_context(PagefindService()))
            return running[0]

        for number, group in enumerate(groups):
            name = str(number)
            records = records_of(name, group)
            shard = Shard(name, shard_digest(records, chunk))
            shards.append(shard)
            if have.get(name) == shard.digest:
                continue
            state = load_state(stages, name) if stages is not None else None
            made: Mapping[str, bytes | None] | Future[Mapping[str, bytes | None]] | None = None
            if state is not None and name in have and state.digest == have[name]:
                made = splice_shard(
                    output / BUNDLE / name,
                    state,
                    records,
                    (previous or {}).get(name, {}),
                    chunk,
                    functools.partial(_index_records, service, name, language),
                )
                spliced += [name] if made is not None else []
            if made is None:
                files = _pagefind_files(service(), name, records, language)
                folder = spill / name if spill is not None else None
                made = canonical.submit(_canonical, files, chunk, folder)
            made_of[name] = (made, shard, tuple((record.key, record.digest) for record in records))
        for name, (pending, shard, made_from) in made_of.items():
            done = {**pending.result()} if isinstance(pending, Future) else pending
            if spill is not None:
                written[name] = spill / name
            else:
                bundles[name] = done
            states[name] = ShardState(shard.digest, chunk, meta_of(done), made_from)
    return StagedIndex(shards, bundles, states, tuple(spliced), written)


def _canonical(
    files: dict[str, bytes], chunk: int, folder: Path | None
) -> Mapping[str, bytes | None]:
    """The shard's canonical files; written into ``folder`` if given (a new folder that
    nothing reads until it is moved into place), then only its entry file is kept."""
    made = canonicalize(files, chunk)
    if folder is None:
        return made
    for parent in sorted({(folder / name).parent for name in made}):
        parent.mkdir(parents=True, exist_ok=True)
    for name, data in made.items():
        with open(folder / name, "wb") as file:
            file.write(data)
    return {ENTRY: made[ENTRY]}


def discard_written(output: Path) -> None:
    """Delete the shards written beside ``output`` (``SPILL``): put in place, or a failed
    build's."""
    shutil.rmtree(output.with_name(output.name + SPILL), ignore_errors=True)


def install_index(staged: StagedIndex, output: Path) -> list[str]:
    """Put the staged shards in ``output/pagefind/``, drop shards no longer planned and
    write the list of shards last; the names of the shards put in."""
    bundle = output / BUNDLE
    for name, files in sorted(staged.bundles.items()):
        _install_shard(files, bundle / name)
    for name, folder in sorted(staged.written.items()):  # an output replaced whole
        bundle.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(bundle / name, ignore_errors=True)
        os.replace(folder, bundle / name)
    discard_written(output)  # the folder that held them
    names = {shard.name for shard in staged.shards}
    for extra in sorted(bundle.iterdir()) if bundle.is_dir() else ():
        if extra.is_dir() and extra.name not in names:
            shutil.rmtree(extra)
    shards = {shard.name: shard.digest for shard in staged.shards}
    manifest = {"format": FORMAT, "shards": shards}
    bundle.mkdir(parents=True, exist_ok=True)
    _write_atomic(
        bundle / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    )
    return sorted([*staged.bundles, *staged.written])


def _pagefind_files(
    service: PagefindService, name: str, records: Sequence[SearchRecord], language: str
) -> dict[str, bytes]:
    """The bundle Pagefind makes of ``records`` (for shard ``name``), as it makes it."""
    index = service.new_index(language)
    for record in records:
        service.add_file(index, record.url, record.html)
    files = service.get_files(index)
    service.delete_index(index)
    if ENTRY not in files:
        raise PagefindError(f"Pagefind made no index for shard {name}")
    return files


def _index_records(
    service: Callable[[], PagefindService],
    name: str,
    language: str,
    records: Sequence[SearchRecord],
) -> dict[str, bytes]:
    return _pagefind_files(service(), name, records, language)


def remember_shards(staged: StagedIndex, output: Path, stages: StageCache) -> None:
    """Keep what the shards ``install_index`` just wrote were made from, for the next
    run to splice them: after ``shards.json``, so a run killed before keeps no state
    of shards the list does not hold."""
    for name, state in sorted(staged.states.items()):
        save_state(stages, name, state, output / BUNDLE / name)


def _install_shard(files: Mapping[str, bytes | None], folder: Path) -> None:
    """Write the files of a shard that ``folder`` lacks, then its entry file (which names
    the rest: a browser sees the old shard or the new one, never half of one), then
    delete the files the new shard does not have. Most files are named after their
    content, so an edit to one paper writes a few of them, not the whole shard. A file
    given as None is one a splice found there and keeps."""
    for name, data in sorted(files.items()):
        path = folder / name
        if (
            data is not None
            and name != ENTRY
            and not (path.is_file() and path.read_bytes() == data)
        ):
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(path, data)
    entry = files[ENTRY]
    assert entry is not None
    _write_atomic(folder / ENTRY, entry)
    for root, _, names in os.walk(folder):
        prefix = root[len(str(folder)) + 1 :].replace(os.sep, "/")
        for name in names:
            if (f"{prefix}/{name}" if prefix else name) not in files:
                os.unlink(os.path.join(root, name))


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.sitegen-tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def remove_index(output: Path) -> None:
    """Delete the browser index (a site without papers has nothing to search)."""
    shutil.rmtree(output / BUNDLE, ignore_errors=True)
