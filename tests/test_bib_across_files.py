"""BibTeX seed files read together, as BibTeX reads the files of one ``\\bibliography``:
one file's ``@string`` macros and crossref'd volumes serve the others."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sitegen.catalog import load_catalog
from sitegen.settings import load_settings
from sitegen.sources import parse_seed_texts
from tests.conftest import build_into

IEEEABRV = """% IEEEabrv.bib: IEEE's journal-name macros
@STRING{IEEE_J_AC = "{IEEE} Transactions on Automatic Control"}
@STRING{IEEE_J_PAMI = "{IEEE} Trans. Pattern Anal. Mach. Intell."}
@string{IEEE_J_CON = IEEE_J_AC}
"""
PROCS = """@proceedings{cdc2019,
  title = {Proceedings of the 58th {IEEE} Conference on Decision and Control},
  year = {2019},
  publisher = {IEEE},
}
"""
PAPERS = """@article{smith2020,
  author = {Smith, Jane},
  title = {Robust Control of Stripes},
  journal = IEEE_J_CON,
  year = {2020},
}

@inproceedings{doe2019,
  author = {Doe, John},
  title = {Adaptive Zebra Crossings},
  crossref = {cdc2019},
}

@article{roe2021,
  author = {Roe, Richard},
  title = {Seeing Stripes},
  journal = IEEE_J_PAMI # " (early access)",
  year = {2021},
}
"""


def _project(make_project: Callable[..., Path]) -> Path:
    return make_project(
        {"seeds/IEEEabrv.bib": IEEEABRV, "seeds/procs.bib": PROCS, "seeds/papers.bib": PAPERS}
    )


def _venues(root: Path) -> tuple[dict[str, tuple[str | None, int | None]], list[str]]:
    settings, problems = load_settings(root)
    assert not problems
    catalog = load_catalog(settings)
    venues = {paper.key: (paper.venue, paper.year) for paper in catalog.papers}
    return venues, [str(problem) for problem in catalog.problems]


def test_macros_and_volumes_of_other_files_give_venues_and_no_warning(
    make_project: Callable[..., Path],
) -> None:
    venues, problems = _venues(_project(make_project))
    assert venues == {
        "robust-control-of-stripes": ("IEEE Transactions on Automatic Control", 2020),
        "adaptive-zebra-crossings": (
            "Proceedings of the 58th IEEE Conference on Decision and Control",
            2019,
        ),
        "seeing-stripes": ("IEEE Trans. Pattern Anal. Mach. Intell. (early access)", 2021),
    }
    assert problems == []  # not "no papers in it" for the macros file, nor an undefined macro


def test_editing_the_macros_file_changes_the_venue_after_a_rebuild(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = _project(make_project)
    settings, _ = load_settings(root)
    page = build_into(settings, tmp_path / "site") / "papers" / "robust-control-of-stripes"
    assert "IEEE Transactions on Automatic Control" in (page / "index.html").read_text()
    macros = root / "seeds" / "IEEEabrv.bib"
    macros.write_text(IEEEABRV.replace("Automatic Control", "Automatic Zebras"))
    build_into(settings, tmp_path / "site")
    html = (page / "index.html").read_text()
    assert "IEEE Transactions on Automatic Zebras" in html
    assert "Automatic Control" not in html
    assert _venues(root)[0]["robust-control-of-stripes"][0] == (
        "IEEE Transactions on Automatic Zebras"
    )


def test_warnings_name_the_file_and_line_of_the_entry() -> None:
    papers = (
        "@article{a,\n  title = {Undefined Macro Here},\n  journal = NO_SUCH_MACRO,\n"
        "  year = {2020},\n}\n\n"
        "@inproceedings{b,\n  title = {Dangling Crossref},\n  crossref = {nowhere},\n}\n"
    )
    (_, macros), (_, procs), (entries, problems) = parse_seed_texts(
        [
            (IEEEABRV, "seeds/IEEEabrv.bib", ".bib"),
            (PROCS, "seeds/procs.bib", ".bib"),
            (papers, "seeds/papers.bib", ".bib"),
        ]
    )
    assert macros == [] and procs == []
    assert [e.title for e in entries] == ["Undefined Macro Here", "Dangling Crossref"]
    assert [(p.file, p.line) for p in problems] == [
        ("seeds/papers.bib", 1),
        ("seeds/papers.bib", 7),
    ]
    assert "NO_SUCH_MACRO" in problems[0].message and "nowhere" in problems[1].message


def test_a_file_own_macros_and_volumes_come_first() -> None:
    """Two exports each with its own ``@string{conf}`` and ``@proceedings{vol}``: each
    file's entries read their own, and nothing warns."""

    def export(name: str) -> str:
        return (
            f'@string{{conf = "{name} Conference"}}\n'
            f"@proceedings{{vol, title = {{Proceedings of {name}}}, year = {{2020}}}}\n"
            f"@inproceedings{{p, title = {{Paper of {name}}}, crossref = {{vol}}}}\n"
            f"@article{{q, title = {{Article of {name}}}, journal = conf, year = 2021}}\n"
        )

    results = parse_seed_texts([(export("A"), "seeds/a.bib", ""), (export("B"), "seeds/b.bib", "")])
    for (entries, problems), name in zip(results, "AB"):
        assert problems == []
        assert [(e.title, e.venue) for e in entries] == [
            (f"Paper of {name}", f"Proceedings of {name}"),
            (f"Article of {name}", f"{name} Conference"),
        ]


def test_a_macro_two_other_files_define_differently_warns_where_it_is_used() -> None:
    full = '@string{IEEE_J_AC = "IEEE Transactions on Automatic Control"}\n'
    abbrv = '@string{IEEE_J_AC = "IEEE Trans. Autom. Control"}\n'
    paper = "@article{a, title = {Control}, journal = IEEE_J_AC, year = 2020}\n"
    results = parse_seed_texts(
        [
            (abbrv, "seeds/IEEEabrv.bib", ""),
            (full, "seeds/IEEEfull.bib", ""),
            (paper + paper.replace("{a,", "{b,"), "seeds/p.bib", ""),
        ]
    )
    assert results[:2] == [([], []), ([], [])]
    entries, problems = results[2]
    assert [e.venue for e in entries] == ["IEEE Transactions on Automatic Control"] * 2
    assert [str(p) for p in problems] == [  # once, at the first entry that uses it
        "seeds/p.bib:1: warning: @article{a}: @string 'IEEE_J_AC' is defined differently in "
        "seeds/IEEEabrv.bib:1 and seeds/IEEEfull.bib:1; the last read in name order is used: "
        "keep one"
    ]


IEEEABRV_AS_SHIPPED = r"""
%% IEEEabrv.bib
%% V1.12 (2007/01/11)
%%
%% USAGE:
%%
%% \bibliographystyle{mybstfile}
%% \bibliography{IEEEabrv,mybibfile}
%%
%%    journal = IEEE_J_AC,
%%
%%    STRING{IEEE_J_CBB        = "{IEEE/ACM} Trans. Comput. Biology Bioinformatics"}

%% circuits, signals, systems, audio and controls
@STRING{IEEE_J_SPL        = "{IEEE} Signal Process. Lett."}
@STRING{IEEE_J_AC         = "{IEEE} Trans. Autom. Control"}
% in 2004 CASI and CASII renamed part title to CASI_RP and CASII_EB, respectively.
@STRING{IEEE_J_CASI_RP    = "{IEEE} Trans. Circuits Syst. {I}"}
% Note: The B-ME journal later dropped the hyphen and became the BME.
@STRING{IEEE_J_B-ME       = "{IEEE} Trans. Bio-Med. Eng."}
% disabled till definition is verified
%STRING{IEEE_J_CBB         = "{IEEE/ACM} Trans. Comput. Biology Bioinformatics"}
@STRING{IEEE_M_TODAY      = "Today's Engineer"}

%% EOF
"""


def test_ieee_abbreviations_as_shipped_serve_a_papers_file() -> None:
    """IEEEabrv.bib's own shape: ``%%`` notes, disabled ``%STRING`` lines, a macro with a
    hyphen (``IEEE_J_B-ME``), and copies whose ``%`` marks were lost (free text)."""
    refs = r"""
@ARTICLE{a, author={A. Author}, title={On Control}, journal=IEEE_J_AC, year=2001, month=mar}
@article{b, author="B. Author", title="Biomedical Things", journal=IEEE_J_B-ME, year=1980}
@article{c, author="C. Author", title="Engineering Today", journal=IEEE_M_TODAY # " (online)"}
@inproceedings{d, author="D. Author", title="Filtering", booktitle="Proc. " # IEEE_J_SPL}
"""
    for macros in (IEEEABRV_AS_SHIPPED, IEEEABRV_AS_SHIPPED.replace("%", "")):
        (_, lent), (entries, problems) = parse_seed_texts(
            [(macros, "seeds/IEEEabrv.bib", ".bib"), (refs, "seeds/refs.bib", ".bib")]
        )
        assert lent == [] and problems == []
        assert [e.venue for e in entries] == [
            "IEEE Trans. Autom. Control",
            "IEEE Trans. Bio-Med. Eng.",
            "Today's Engineer (online)",
            "Proc. IEEE Signal Process. Lett.",
        ]


def test_a_paper_named_by_crossref_lends_no_title_as_a_venue() -> None:
    """Only a volume's title is its papers' ``booktitle``: two papers that crossref each
    other (in two files) keep no venue rather than each other's titles."""
    one = "@inproceedings{d, title={Cycle One}, crossref={e}, year=2020}\n"
    two = "@inproceedings{e, title={Cycle Two}, crossref={d}, booktitle={Real Venue}}\n"
    (first, _), (second, _) = parse_seed_texts([(one, "seeds/a.bib", ""), (two, "seeds/b.bib", "")])
    assert [(e.title, e.venue, e.year) for e in first + second] == [
        ("Cycle One", "Real Venue", 2020),
        ("Cycle Two", "Real Venue", 2020),
    ]
