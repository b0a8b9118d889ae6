"""``{% cache %}`` blocks: kept while the values they name have the same content digests."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable

import jinja2
import pytest

from sitegen.fragments import FragmentCache, Fragments
from sitegen.streams import slices

TEMPLATE = (
    "{% for p in papers %}{% cache p %}[{{ p.title }} {{ made() }}]{% endcache %}{% endfor %}"
)


class Paper:
    """A value with a content digest, as ``sitegen.model.Paper`` carries one."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.digest = hashlib.blake2b(title.encode()).hexdigest()


@pytest.fixture
def render() -> Callable[..., str]:
    env = jinja2.Environment(autoescape=True, extensions=[FragmentCache])
    template = env.from_string(TEMPLATE)
    counter = itertools.count(1)
    env.fragments.enabled = True  # type: ignore[attr-defined]

    def render(papers: list[Paper], *, new_build: bool = False) -> str:
        if new_build:
            env.fragments.new_build()  # type: ignore[attr-defined]
        return template.render(papers=papers, made=lambda: next(counter))

    render.fragments = env.fragments  # type: ignore[attr-defined]
    return render


def test_a_block_is_made_once_per_content_and_again_for_changed_content(
    render: Callable[..., str],
) -> None:
    a, b = Paper("A <1>"), Paper("B")
    assert render([a, b]) == "[A &lt;1&gt; 1][B 2]"
    assert render([b, a]) == "[B 2][A &lt;1&gt; 1]", "kept text, escaped once"
    assert render([Paper("A <1>"), b], new_build=True) == "[A &lt;1&gt; 1][B 2]", "same content"
    assert render([Paper("A <2>"), b], new_build=True) == "[A &lt;2&gt; 3][B 2]"


def test_a_block_naming_a_value_without_a_digest_is_never_kept() -> None:
    fragments = Fragments()
    fragments.enabled = True
    made = itertools.count(1)
    rows = [{"title": "A"}]
    first = fragments.text("t.html", 1, [rows], lambda: str(next(made)))
    assert (first, fragments.text("t.html", 1, [rows], lambda: str(next(made)))) == ("1", "2")


def test_fragments_a_build_did_not_use_are_let_go_after_the_next(
    render: Callable[..., str],
) -> None:
    a, b = Paper("A"), Paper("B")
    render([a, b])
    render([a], new_build=True)  # b unused in this build: still held from the last
    assert render([a, b]) == "[A 1][B 2]"
    render([a], new_build=True)
    render([a], new_build=True)  # two builds without b: let go
    assert render([b]) == "[B 3]"


def test_blocks_beyond_the_room_left_are_made_each_time(render: Callable[..., str]) -> None:
    """A render worker keeps fragments up to a bound; the output is the same beyond it."""
    render.fragments.room = 12  # type: ignore[attr-defined]
    a, b, c = Paper("A"), Paper("B"), Paper("C")
    assert render([a, b, c]) == "[A 1][B 2][C 3]"  # "[A 1]" and "[B 2]" fill 10 of 12
    assert render([a, b, c]) == "[A 1][B 2][C 4]"
    assert render.fragments.room == 2  # type: ignore[attr-defined]


def test_off_unless_turned_on() -> None:
    fragments = Fragments()
    made = itertools.count(1)
    value = object()
    first = fragments.text("t.html", 1, [value], lambda: str(next(made)))
    assert (first, fragments.text("t.html", 1, [value], lambda: str(next(made)))) == ("1", "2")


def test_a_list_named_in_the_tag_stands_for_its_items() -> None:
    env = jinja2.Environment(autoescape=True, extensions=[FragmentCache])
    env.fragments.enabled = True  # type: ignore[attr-defined]
    made = itertools.count(1)
    template = env.from_string(
        "{% for b in papers|batch(2) %}{% cache b %}({{ made() }}){% endcache %}{% endfor %}"
    )
    a, b, c = Paper("A"), Paper("B"), Paper("C")
    assert template.render(papers=[a, b, c], made=lambda: next(made)) == "(1)(2)"
    # New lists each time, the same papers: kept; a changed paper in a batch: made again.
    assert template.render(papers=[a, b, c], made=lambda: next(made)) == "(1)(2)"
    assert template.render(papers=[a, b, Paper("C2")], made=lambda: next(made)) == "(1)(3)"


@pytest.mark.parametrize("kind", [list, tuple, iter], ids=["list", "tuple", "iterator"])
def test_the_slices_filter_groups_rows_like_batch_without_padding(
    kind: Callable[..., object],
) -> None:
    env = jinja2.Environment()
    env.filters["slices"] = slices
    template = env.from_string("{% for b in rows|slices(3) %}[{{ b|join(',') }}]{% endfor %}")
    assert template.render(rows=kind(range(8))) == "[0,1,2][3,4,5][6,7]"
    assert template.render(rows=kind([])) == ""
