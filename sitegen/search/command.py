"""``sitegen search``: bring the terminal index up to date, search it, print the results."""

from __future__ import annotations

import difflib
import json
import shutil
import sys
from collections.abc import Sequence

import click

from sitegen.model import InputError
from sitegen.search.terminal import Hit, QuerySyntaxError, search_index, topics_in_index
from sitegen.search.whoosh_index import IndexBusy, ensure_index
from sitegen.settings import Settings


def run_search(
    settings: Settings,
    text: str,
    *,
    topic: str | None = None,
    status: str | None = None,
    limit: int = 20,
    as_json: bool = False,
    verbose: bool = False,
) -> int:
    """Run one terminal search and print it; return the exit status (0, 1 or 2)."""
    try:
        update = ensure_index(settings)
    except InputError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo("search: fix these problems first (the index is built from them)", err=True)
        return 1
    except IndexBusy as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    if verbose and update is not None:
        click.echo(update.summary(), err=True)

    if topic:
        topic = topic.lower()
        known = topics_in_index(settings)
        if topic not in known:
            close = difflib.get_close_matches(topic, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            click.echo(f"error: no paper is in topic {topic!r}{hint}", err=True)
            return 2
    try:
        result = search_index(settings, text, topic=topic, status=status, limit=limit)
    except QuerySyntaxError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2

    base = settings.absolute_base or settings.base_path
    if as_json:
        records = [
            {
                "key": hit.key,
                "title": hit.title,
                "score": hit.score,
                "topics": list(hit.topics),
                "url": base + hit.url,
                "file": hit.file,
            }
            for hit in result.hits
        ]
        click.echo(json.dumps({"results": records}, ensure_ascii=False, indent=1))
        return 0
    if not result.hits:
        where = " with the filters given" if topic or status else ""
        click.echo(
            f"No papers match {text!r}{where}. Try fewer or other words, a fuzzy term "
            "such as diffusoin~, or a field such as tag:rlhf."
        )
        return 0
    if result.loosened:
        click.echo("No paper matches every word; showing papers that match some.", err=True)
    if sys.stdout.isatty():
        lines = terminal_lines(result.hits, shutil.get_terminal_size().columns)
    else:
        lines = tab_separated(result.hits)
    for line in lines:
        click.echo(line)
    return 0


def tab_separated(hits: Sequence[Hit]) -> list[str]:
    """One line per hit for scripts: key, title, topics (comma-separated) and file,
    tab-separated, never cut (``cut -f1`` gives the keys)."""
    return [
        "\t".join((hit.key, _one_line(hit.title), ",".join(hit.topics), hit.file)) for hit in hits
    ]


def terminal_lines(hits: Sequence[Hit], width: int) -> list[str]:
    """Lines that fit ``width`` columns, two per hit: the title, then, indented, the key,
    the topics and the file to open. The topics give way first; when key and file do not
    fit on one line they take one each, so what one types next is not cut."""
    width = max(width, 20)
    lines = []
    for hit in hits:
        lines.append(_cut(_one_line(hit.title), width))
        room = width - len(INDENT)
        fixed = len(hit.key) + len(SEPARATOR) + len(hit.file)
        topics = ", ".join(hit.topics)
        left = room - fixed - len(SEPARATOR)
        if topics and left >= MIN_TOPICS:
            lines.append(INDENT + SEPARATOR.join((hit.key, _cut(topics, left), hit.file)))
        elif fixed <= room:
            lines.append(INDENT + hit.key + SEPARATOR + hit.file)
        else:  # a long key and file: one line each, rather than cutting either
            lines.append(INDENT + _cut(hit.key, room))
            lines.append(INDENT + _cut(hit.file, room))
    return lines


INDENT = "  "
SEPARATOR = " · "
MIN_TOPICS = 12
"""Fewer columns than this left for the topics: they are left out rather than cut to
a stub."""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"
