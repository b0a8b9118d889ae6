"""Atom feeds of a tag's papers (``tags/<slug>/feed.xml``) and of a curated list's
(``lists/<slug>/feed.xml``), made like the site's and the topics' feeds
(``sitegen.exports.atom_feed_pages``): at most 50 papers, newest first, no build time.
"""

from __future__ import annotations

from sitegen.exports import Feed, atom_feed_pages
from sitegen.incremental import PlanMemory
from sitegen.model import Catalog
from sitegen.pages import Page
from sitegen.reading import tag_index
from sitegen.settings import Settings


def collection_feeds(catalog: Catalog, settings: Settings, memory: PlanMemory) -> list[Page]:
    """One feed per tag and one per curated list."""
    feeds: list[Feed] = [
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
    return atom_feed_pages(feeds, catalog, settings, memory)
