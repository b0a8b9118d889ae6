"""``indented_json``: the text of ``json.dumps(..., indent=1)``, without its garbage."""

from __future__ import annotations

import gc
import json

from hypothesis import given
from hypothesis import strategies as st

from sitegen.json_text import indented_json

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(VALUES)
def test_the_text_is_json_dumps_with_an_indent(value: object) -> None:
    assert indented_json(value) == json.dumps(value, ensure_ascii=False, indent=1)


def test_keys_json_converts_are_converted_as_it_does() -> None:
    value = {1: "a", None: [True, 2.5], "b": {}}
    assert indented_json(value) == json.dumps(value, ensure_ascii=False, indent=1)


def test_it_leaves_no_reference_cycles() -> None:
    record = {"key": "k", "authors": ["A. B", "C. D"], "sources": [{"file": "x", "line": 3}]}
    enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        for _ in range(100):
            indented_json(record)
        assert gc.collect() == 0
        json.dumps(record, indent=1)
        assert gc.collect() > 0  # what it replaces does leave some
    finally:
        if enabled:
            gc.enable()
