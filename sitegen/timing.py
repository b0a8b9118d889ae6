"""Per-phase wall-clock timing, printed with ``--verbose`` so slowness is seen."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class PhaseTimer:
    """Records how long each named build phase took, in order."""

    phases: dict[str, float] = field(default_factory=dict)
    """Seconds per phase; a phase entered twice accumulates."""

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the enclosed block under ``name``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - start

    def summary(self) -> str:
        """One line: ``load 120 ms, catalog 340 ms, ...``."""
        return ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in self.phases.items())
