"""Browser search: run the Pagefind CLI once over the built site's paper pages.

Pagefind (``pagefind[bin]`` from PyPI, a Rust binary: no Node needed) reads the
``data-pagefind-*`` attributes of ``paper.html``: the body to index, weights
(title and summary over abstract and notes), filters (topic slug, tag, status,
year), sorts (rating, date) and the metadata a result shows. It writes a chunked
index that the browser fetches piece by piece, so a first query on a
10,000-paper site loads only the index chunks its words need.

The index is written into a staging folder inside the output and then swapped
in with two renames, so a browser searching during a rebuild sees the old or
the new index, never half of one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

BUNDLE = "pagefind"
"""Folder of the index inside the output (``/pagefind/`` on the site)."""
PAPER_PAGES = "papers/*/index.html"
"""Only paper pages are indexed, whatever other templates carry."""
_STAGING = ".pagefind-staging"
_OLD = ".pagefind-old"


class PagefindError(Exception):
    """Pagefind is missing or failed; the message says what it printed."""


def pagefind_command() -> list[str]:
    """The command that runs Pagefind: the binary the PyPI package ships (or
    ``PAGEFIND_BINARY_PATH``); ``PagefindError`` if there is none."""
    try:
        from pagefind.service import get_executable

        binary = get_executable()
    except ImportError:
        binary = None
    if binary is None:
        raise PagefindError(
            "Pagefind is not installed; install it with: pip install 'pagefind[bin]'"
        )
    if not binary.is_file():
        raise PagefindError(f"no Pagefind binary at {binary}")
    return [str(binary)]


def needs_indexing(output: Path, changed: Iterable[str], full: bool) -> bool:
    """Whether the browser index must be rebuilt: a paper page changed or none exists."""
    if full or not (output / BUNDLE / "pagefind.js").is_file():
        return True
    return any(path.startswith("papers/") and path.endswith(".html") for path in changed)


def start_pagefind(output: Path, *, verbose: bool = False) -> subprocess.Popen[str]:
    """Start Pagefind on ``output``, writing to a staging folder (see ``finish_pagefind``)."""
    staging = output / _STAGING
    if staging.exists():
        shutil.rmtree(staging)
    command = [
        *pagefind_command(),
        "--site",
        str(output),
        "--output-path",
        str(staging),
        "--glob",
        PAPER_PAGES,
    ]
    if not verbose:
        command.append("--quiet")
    try:
        return subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            env={**os.environ, "NO_COLOR": "1"},
        )
    except OSError as exc:
        raise PagefindError(
            f"cannot run Pagefind ({exc}); install it with: pip install 'pagefind[bin]'"
        ) from exc


def finish_pagefind(process: subprocess.Popen[str], output: Path) -> str:
    """Wait for Pagefind, then swap its index in; return what it printed."""
    log, _ = process.communicate()
    staging = output / _STAGING
    if process.returncode != 0 or not (staging / "pagefind.js").is_file():
        shutil.rmtree(staging, ignore_errors=True)
        lines = [line.strip() for line in log.splitlines() if line.strip()]
        errors = [line for line in lines if line.lower().startswith("error")] or lines[-3:]
        detail = "; ".join(dict.fromkeys(errors)) or f"exit status {process.returncode}"
        raise PagefindError(f"Pagefind could not index {output}: {detail}")
    swap_in(staging, output / BUNDLE)
    return log


def swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with renames (the old one is deleted after)."""
    old = target.with_name(_OLD)
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def remove_index(output: Path) -> None:
    """Delete the browser index (a site without papers has nothing to search)."""
    shutil.rmtree(output / BUNDLE, ignore_errors=True)


def run_pagefind(output: Path, *, verbose: bool = False) -> str:
    """Index ``output``'s paper pages into ``output/pagefind/``; return Pagefind's log."""
    return finish_pagefind(start_pagefind(output, verbose=verbose), output)
