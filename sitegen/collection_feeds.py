"""Atom feeds of a tag's papers (``tags/<slug>/feed.xml``) and of a curated list's
(``lists/<slug>/feed.xml``), made like the site's and the topics' feeds
(``sitegen.exports.feed_pages``): at most 50 papers, newest first, no build time.
"""

from __future__ import annotations

from functools import partial

from sitegen.exports import atom_feed
from sitegen.feeds import FeedWriter, newest
from sitegen.incremental import PlanMemory, value_digest
from sitegen.model import Catalog, Paper
from sitegen.pages import Page
from sitegen.reading import tag_index
from sitegen.settings import Settings


def collection_feeds(catalog: Catalog, settings: Settings, memory: PlanMemory) -> list[Page]:
    """One feed per tag and one per curated list."""
    feeds: list[tuple[str, str, str, str, list[Paper]]] = [
        (
            f"tags/{slug}/feed.xml",
            f"{settings.title}: tagged “{name}”",
            f"New papers tagged “{name}”.",
            f"tags/{slug}/",
            papers,
        )
        for slug, (name, papers) in tag_index(catalog).items()
    ]
    for reading_list in catalog.lists:
        present = [catalog.get(key) for key in dict.fromkeys(reading_list.keys)]
        feeds.append(
            (
                f"lists/{reading_list.slug}/feed.xml",
                f"{settings.title}: {reading_list.title}",
                f"Papers of the reading list “{reading_list.title}”.",
                f"lists/{reading_list.slug}/",
                [paper for paper in present if paper is not None],
            )
        )
    writer = FeedWriter.for_site(settings, catalog.topics)
    made_by = value_digest((settings, writer.topic_names))

    def entry(paper: Paper, link: str) -> str:  # kept by what it is made from
        return memory.feed_entries.get(
            (paper.digest, link, made_by), partial(writer.entry, paper, link)
        )

    pages = []
    for url, title, subtitle, home, papers in feeds:
        chosen = memory.orders.get(url, papers, newest)
        body = partial(atom_feed, writer, url, title, subtitle, home, chosen, entry)
        pages.append(Page(url, None, {"body": body}, inputs=(url, title, subtitle, home, chosen)))
    return pages
