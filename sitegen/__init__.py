"""sitegen: a static site generator for annotated reading lists of research papers."""

from __future__ import annotations

__version__ = "0.1.0"
"""The release; the package's metadata reads it from here (``[tool.hatch.version]``)."""

DISTRIBUTION = "sitegen-reading-list"
"""The name to ``pip install``: ``sitegen`` on the package index is an unrelated project."""


def installed_version() -> str:
    """The installed distribution's version, as ``pip`` sees it.

    From a source tree that was never installed (``PYTHONPATH=.``) there is no
    metadata, and ``__version__`` is the same number.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return __version__
