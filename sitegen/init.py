"""``sitegen init``: a new project that builds at once.

The starter project lives in ``sitegen/starter/`` (it ships inside the wheel).
A path part written ``dot-name`` there becomes ``.name`` in the new project, so
the dotfiles (``.gitignore``, ``.github/``) are not hidden from packaging tools.
There is no copy of the theme: a new project inherits the default theme, and
its ``templates/README.md`` explains how to override it file by file.

``@DISTRIBUTION@`` and ``@VERSION@`` in a starter file become the name to
``pip install`` and the installed version, so the GitHub Pages workflow installs
the very sitegen that wrote it.
"""

from __future__ import annotations

from pathlib import Path

from sitegen import DISTRIBUTION, installed_version

STARTER = Path(__file__).parent / "starter"
"""The starter project's files."""
_DOT = "dot-"


class ProjectExists(Exception):
    """``init`` would overwrite files; carries their paths."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        names = ", ".join(str(p) for p in paths)
        super().__init__(f"refusing to overwrite existing files: {names}")


def starter_files() -> dict[str, bytes]:
    """Project-relative path → content of every starter file."""
    placeholders = {b"@DISTRIBUTION@": DISTRIBUTION, b"@VERSION@": installed_version()}
    files: dict[str, bytes] = {}
    for path in sorted(STARTER.rglob("*")):
        if not path.is_file() or path.name == "__pycache__" or path.suffix == ".pyc":
            continue
        parts = path.relative_to(STARTER).parts
        target = "/".join("." + p[len(_DOT) :] if p.startswith(_DOT) else p for p in parts)
        data = path.read_bytes()
        for placeholder, value in placeholders.items():
            data = data.replace(placeholder, value.encode())
        files[target] = data
    return files


def init_project(target: Path) -> list[Path]:
    """Write the starter project into ``target``; return the files written.

    Writes nothing and raises ``ProjectExists`` if any of them already exists
    (other files in ``target`` are fine: a fresh git clone, say).
    """
    if target.exists() and not target.is_dir():
        raise ProjectExists([target])
    files = {target / name: data for name, data in starter_files().items()}
    clashes = [path for path in files if path.exists() or path.is_symlink()]
    if clashes:
        raise ProjectExists(clashes)
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return list(files)
