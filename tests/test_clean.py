"""Cleaning LaTeX remnants: each rule checked on the seed line that needs it."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import clean
from sitegen.clean import MATHML_TAGS, clean_plain, clean_text
from sitegen.model import RichText
from sitegen.sources import read_seeds

from .conftest import REPO

SEEDS = REPO / "seeds"
NBSP = "\xa0"


def seed_line(needle: str) -> str:
    """The one seed line containing ``needle``, as written in the file."""
    found = [
        line
        for path in sorted(SEEDS.iterdir())
        for line in path.read_text(encoding="utf-8").splitlines()
        if needle in line
    ]
    assert len(found) == 1, f"expected one seed line with {needle!r}, found {len(found)}"
    return found[0]


def test_umlaut_in_tulu() -> None:
    text = clean_text(seed_line(r"we introduce T\"ULU 3"))
    assert text.plain.count("TÜLU 3") == 5
    assert text.html.count("TÜLU 3") == 5
    assert '\\"' not in text.plain


def test_diaeresis_in_naive() -> None:
    assert "afflict naïve behavioral cloning" in clean_plain(seed_line(r"na\"ive"))


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        (r"only 10\%", "label only 10% of trajectories"),
        (r"45\%", "10.6X and 45% improvement"),
        (r"0/50\%", "(0/50% - training/testing split)"),
    ],
)
def test_escaped_percent(needle: str, expected: str) -> None:
    plain = clean_plain(seed_line(needle))
    assert expected in plain
    assert "\\%" not in plain


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        ("w.r.t.~the", f"model w.r.t.{NBSP}the likelihood"),
        ("1)~a", f"1){NBSP}a relabeler"),
        ("2)~a", f"2){NBSP}a goal generator"),
        ("3)~reward", f"3){NBSP}reward functions"),
        ("benchmarks~fu2020d4rl", f"benchmarks{NBSP}fu2020d4rl, certain"),
    ],
)
def test_glued_tilde_is_a_tie(needle: str, expected: str) -> None:
    text = clean_text(seed_line(needle))
    assert expected in text.plain
    assert expected in text.html


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        ("by ~3%", "outperforms the single-task baseline by ~3% and multi-task (without"),
        ("by ~3%", "baseline by ~18% on an average, and 2) shows ~23% improvement"),
        ("~1/1000", "picks up ~1/1000 points that need"),
        ("~128 tokens", "short segment (~128 tokens) within"),
        ("~4x", "covering ~4x more interaction space"),
    ],
)
def test_approximately_tilde_and_raw_percent_kept(needle: str, expected: str) -> None:
    text = clean_text(seed_line(needle))
    assert expected in text.plain
    assert expected in text.html


def test_specials_outside_math_stay_literal() -> None:
    text = clean_text(r"a & b # c _ d ^e 50% of \{x\} and 10\% more")
    assert text.plain == "a & b # c _ d ^e 50% of {x} and 10% more"
    assert text.html == "a &amp; b # c _ d ^e 50% of {x} and 10% more"


def test_stray_braces_inside_words() -> None:
    plain = clean_plain(seed_line("{s}hift f{o}cus"))
    assert "to shift focus on the exploration" in plain
    assert "global audio perception." in plain
    assert "{" not in plain and "}" not in plain


def test_braced_greek_macro_name() -> None:
    plain = clean_plain(seed_line("{varphi}"))
    assert "reward model (φ) which" in plain
    assert "to train φ." in plain
    assert "into φ, which" in plain
    assert "varphi" not in plain


def test_braced_word_becomes_greek_only_for_greek_letter_macros() -> None:
    # \infty and \ldots are pylatexenc symbols too, but not letters that lost a backslash.
    assert clean_plain("{alpha} and {Pi} vs {infty} and {ldots} and {and}") == (
        "α and Π vs infty and ldots and and"
    )


def test_unknown_macro_kept_as_word() -> None:
    plain = clean_plain(seed_line(r"\collabvoyager"))
    assert "we present collabvoyager, a novel framework" in plain
    assert "collabvoyager introduces three key" in plain
    assert plain.count("collabvoyager") == 5


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        (r"The \mkbibemph{Physics} of CO\textsubscript{2}", "The Physics of CO2"),
        (r"\mkbibquote{Quoted} and \enquote{this}", "\u201cQuoted\u201d and \u201cthis\u201d"),
        (r"3\textless{}x\textgreater{}1", "3<x>1"),
        (r"\vphantom{\{}Growth of \NoCaseChange{pH}", "Growth of pH"),
        (r"x\textsuperscript{th} in \textsc{Small} \textbf{Bold}", "xth in Small Bold"),
        (r"{{GaAs}} lasers", "GaAs lasers"),
        (
            r"An \unknownmacro{Argument} and \collabvoyager{} too",
            "An Argument and collabvoyager too",
        ),
        (r"Instrumental {\em With\/} and {\sc CONNIVER}", "Instrumental With and CONNIVER"),
        (r"\texttt{word2vec} in \mbox{GaAs} {\textbar} x", "word2vec in GaAs | x"),
        (
            r"a response to ``Logic'' via ``physical{''} data",
            "a response to \u201cLogic\u201d via \u201cphysical\u201d data",
        ),
        ("plain ``TeX quotes'' alone", "plain \u201cTeX quotes\u201d alone"),
    ],
)
def test_biblatex_markup_is_decoded_and_no_macro_name_leaks(raw: str, plain: str) -> None:
    assert clean_plain(raw) == plain


def test_numbers_in_math_are_plain_numbers() -> None:
    text = clean_text(seed_line("$51$"))
    assert "performance on 51 out of 57 games." in text.plain
    assert "performance on 51 out of 57 games." in text.html
    assert "<math" not in text.html


@pytest.mark.parametrize(
    ("raw", "plain", "display"),
    [
        ("a $Q^*$ search", "a Q* search", "inline"),
        (r"in $\mathcal{O}(n)$ time", "in 𝒪(n) time", "inline"),
        (r"where \(x^2\) grows", "where x^2 grows", "inline"),
        (r"so $$\sum_i x_i$$ holds", "so ∑_i x_i holds", "block"),
    ],
)
def test_real_math_becomes_mathml(raw: str, plain: str, display: str) -> None:
    text = clean_text(raw)
    assert text.plain == plain
    assert f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="{display}">' in text.html
    assert "$" not in text.html
    assert "\\" not in text.html


def test_math_latex2mathml_rejects_falls_back_to_source() -> None:
    text = clean_text(r"bad $x^$ here")
    assert text.html == "bad $x^$ here"
    assert "x^" in text.plain


def test_text_inside_math_cannot_inject_markup() -> None:
    # latex2mathml copies \text{...} into <mtext> unescaped.
    text = clean_text(r"$\text{<script>alert(1)</script>}$ and $\text{<b>x</b>}$")
    assert "<script" not in text.html
    assert "<b>" not in text.html
    assert "&lt;script&gt;" in text.html


def test_lone_dollar_is_literal() -> None:
    assert clean_plain("raised $5 billion and $10 million") == "raised $5 billion and $10 million"


def test_href_remnant_shows_url_once() -> None:
    plain = clean_plain(seed_line("mathcritique.github.io/{"))
    assert plain.endswith("datasets are at https://mathcritique.github.io/.")
    assert plain.count("https://mathcritique.github.io/") == 1


def test_urls_are_not_latex() -> None:
    plain = clean_plain(r"see \url{https://a.org/~me/x_y%20z} or https://b.org/~you#top~")
    assert plain == "see https://a.org/~me/x_y%20z or https://b.org/~you#top~"


def test_html_is_escaped_and_plain_is_not() -> None:
    text = clean_text('<script>alert("x")</script> & T\\"ULU')
    assert text.html == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; TÜLU"
    assert text.plain == '<script>alert("x")</script> & TÜLU'


def test_whitespace_collapsed_but_ties_kept() -> None:
    assert clean_plain("  a \n\t b~c   \\par  d ") == f"a b{NBSP}c d"


def test_plain_abstract_skips_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(raw: str) -> str:
        raise AssertionError("pylatexenc called on text without LaTeX")

    monkeypatch.setattr(clean, "_convert", refuse)
    assert clean_plain("We cut costs 50% & more.\n") == "We cut costs 50% & more."


@pytest.mark.parametrize(
    "raw", ["\\", "{", "}", "$$", "\\frac{", "$\\frac{$", "{" * 5000, "\\" * 999, "\\(", "~"]
)
def test_malformed_latex_never_raises(raw: str) -> None:
    assert isinstance(clean_text(raw), RichText)


def test_no_latex_reaches_any_seed_page() -> None:
    entries, problems = read_seeds(SEEDS, REPO)
    assert not problems
    assert len(entries) == 172
    texts = [text for entry in entries for text in (entry.title, entry.abstract) if text]
    for raw in texts:
        cleaned = clean_text(raw)
        for rendering in (cleaned.plain, cleaned.html):
            for leftover in ('\\"', "\\%", "{varphi}", "$", "\\"):
                assert leftover not in rendering, f"{leftover!r} left in {rendering[:80]!r}"


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.tags.append(tag)


# Pieces of LaTeX and markup that, shuffled together, reach every branch of the cleaner.
PIECES = (
    '$ $$ \\( \\) \\text{ \\frac { } <script> <b> </math> ~ % \\" \\mathcal{ ^ _ x 1 & < > '
    "\\href{ https://a.b/~c {varphi} \\collab \\url{ <!-- \\\\ \\text{<i>x</i>} \\mathrm{ "
    "\\operatorname{<a\thref=x>}"
)
LATEXY = st.lists(
    st.sampled_from([*PIECES.split(" "), " ", "\n"]) | st.text(max_size=4), max_size=30
).map("".join)


@settings(deadline=None, max_examples=300)
@given(st.one_of(st.text(), LATEXY, LATEXY.map(lambda body: f"${body}$")))
def test_any_text_cleans_to_safe_html(raw: str) -> None:
    cleaned = clean_text(raw)
    assert isinstance(cleaned, RichText)
    assert "<script" not in cleaned.html.lower()
    collector = _TagCollector()
    collector.feed(cleaned.html)
    collector.close()
    # Every tag is MathML markup: any "<" from the input arrived escaped.
    assert set(collector.tags) <= MATHML_TAGS
    assert "<!" not in cleaned.html
    assert cleaned.plain == cleaned.plain.strip()


def test_math_that_lost_its_dollars_in_a_real_title() -> None:
    title = next(
        line.strip()
        for line in (SEEDS / "003_2747324a0543969f.txt").read_text(encoding="utf-8").splitlines()
        if line.startswith("From r to Q^*")
    )
    cleaned = clean_text(title)
    assert cleaned.plain == "From r to Q*: Your Language Model is Secretly a Q-Function"
    assert "<msup><mi>Q</mi>" in cleaned.html
    assert "^" not in cleaned.html
