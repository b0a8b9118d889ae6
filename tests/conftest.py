"""Shared fixtures: the sample project, its catalogue, a built sample site, scratch projects."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sitegen.catalog import load_catalog
from sitegen.model import Catalog
from sitegen.settings import Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
"""The sitegen repository, which is itself the sample project."""


@pytest.fixture(scope="session")
def sample_settings() -> Settings:
    """Settings of the sample project (this repository)."""
    settings, problems = load_settings(REPO)
    assert not problems
    return settings


@pytest.fixture(scope="session")
def sample_catalog(sample_settings: Settings) -> Catalog:
    """The sample reading list, loaded once per test session."""
    return load_catalog(sample_settings)


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """A scratch project: copies of the sample seeds (optional) and the files given."""

    def make(files: dict[str, str] | None = None, *, sample_seeds: bool = False) -> Path:
        root = tmp_path / "project"
        (root / "seeds").mkdir(parents=True, exist_ok=True)
        (root / "content" / "annotations").mkdir(parents=True, exist_ok=True)
        if sample_seeds:
            for seed in sorted((REPO / "seeds").iterdir()):
                shutil.copy(seed, root / "seeds" / seed.name)
        for name, text in (files or {}).items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root

    return make
