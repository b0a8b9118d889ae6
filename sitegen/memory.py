"""What one process keeps from a build to the next (``sitegen serve``).

A ``Preview`` holds one ``BuildMemory`` and passes it to every build; a one-off
build makes a new one. Each field is named and typed; what each part keeps, and how
it is checked against what it stands for, is in docs/builds.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sitegen.cache import BuildCache, StageCache
from sitegen.catalog.stages import CatalogMemory
from sitegen.incremental import Orders, PlanMemory
from sitegen.render import Renderer


@dataclass
class BuildMemory:
    """What one process keeps from a build to the next: ``sitegen serve``'s ``Preview``
    holds one and passes it to every build. A one-off build uses a new one."""

    stages: StageCache
    """The catalogue's on-disk stages, also held in memory when ``remember`` is set."""
    catalog: CatalogMemory = field(default_factory=CatalogMemory)
    plan: PlanMemory = field(default_factory=PlanMemory)
    renderer: tuple[object, Renderer] | None = None
    """The renderer (templates compiled) with what it was made for."""
    build_cache: BuildCache | None = None
    checked: tuple[str, frozenset[str]] | None = None
    """What ``check_outputs`` found: the build records' generation it checked, and the
    outputs not as that build left them."""

    @classmethod
    def for_project(cls, root: Path, *, remember: bool = True) -> BuildMemory:
        """A memory for builds of the project at ``root`` (``remember``: by a process that
        builds again, ``sitegen serve``)."""
        stages = StageCache.for_project(root, remember=remember)
        return cls(stages, plan=PlanMemory(orders=Orders(remember=remember)))
