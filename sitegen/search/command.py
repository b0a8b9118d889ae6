"""``sitegen search``: bring the terminal index up to date, search it, print the results."""

from __future__ import annotations

import difflib
import json
import shutil
import sys

import click

from sitegen.model import InputError
from sitegen.search.terminal import (
    IndexBusy,
    QuerySyntaxError,
    ensure_index,
    format_hits,
    search_index,
    topics_in_index,
)
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
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    for line in format_hits(result.hits, width):
        click.echo(line)
    return 0
