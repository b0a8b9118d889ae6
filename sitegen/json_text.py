"""JSON text as ``json.dumps(value, ensure_ascii=False, indent=1)`` writes it, made
without the reference cycles that call leaves behind.

With an indent, ``json.dumps`` encodes through nested functions that refer to one
another, so each call leaves a cycle of some forty objects that only the cycle
collector frees. A build's main process runs with the collector paused
(``sitegen.build``), and the per-paper texts of the exports (``papers.json`` records,
CSL-JSON items) left ~5 KB of such garbage a paper (157 MB at 30,000 papers). Here
containers are laid out as ``json`` lays them out and every scalar and key is
encoded by ``json.dumps`` without an indent (the C encoder, no cycles), so the text
is the same byte for byte.
"""

from __future__ import annotations

import json


class _OtherKey(Exception):
    """A dictionary key that is not a string (``json`` converts those): use ``json``."""


def indented_json(value: object) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=1)``, leaving no garbage."""
    out: list[str] = []
    try:
        _write(value, "\n", out)
    except _OtherKey:
        return json.dumps(value, ensure_ascii=False, indent=1)
    return "".join(out)


def _write(value: object, newline: str, out: list[str]) -> None:
    inner = newline + " "
    if isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        separator = "{" + inner
        for key, item in value.items():
            if not isinstance(key, str):
                raise _OtherKey
            out.append(separator)
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(": ")
            _write(item, inner, out)
            separator = "," + inner
        out.append(newline + "}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        separator = "[" + inner
        for item in value:
            out.append(separator)
            _write(item, inner, out)
            separator = "," + inner
        out.append(newline + "]")
    else:
        out.append(json.dumps(value, ensure_ascii=False))
