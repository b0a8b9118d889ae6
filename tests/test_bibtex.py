"""BibTeX seeds as real exporters write them, broken entries, and cross-format deduplication."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.catalog import clean_entry, load
from sitegen.model import Severity, SourceEntry
from sitegen.settings import load_settings
from sitegen.sources import bibtex, detect_format, parse_seed_text

ZOTERO = r"""
@article{muller_attention_2024,
	title = {Attention in {Linear} Time: {A} $\mathcal{O}(n)$ {Transformer}},
	volume = {25},
	issn = {1532-4435},
	shorttitle = {Attention in {Linear} Time},
	url = {https://jmlr.org/papers/v25/muller24a.html},
	doi = {10.5555/3648699.3648702},
	abstract = {We show that attention can be computed in linear time. Our model is 10\% faster w.r.t.~the baseline.},
	language = {en},
	number = {12},
	urldate = {2024-06-10},
	journal = {Journal of Machine Learning Research},
	author = {M{\"u}ller, J{\"o}rg and Caf{\'e}, Ren{\'e} and Smith, John},
	month = mar,
	year = {2024},
	keywords = {attention, efficiency, transformers},
	pages = {1--42},
	file = {Full Text PDF:/home/me/Zotero/storage/ABCD/Muller.pdf:application/pdf},
}

@misc{doe_mirage_2025,
	title = {Mirage: {One}-{Step} {Video} {Diffusion}},
	shorttitle = {Mirage},
	url = {http://arxiv.org/abs/2501.01234},
	doi = {10.48550/arXiv.2501.01234},
	publisher = {arXiv},
	author = {Doe, Jane and {OpenAI Team}},
	month = jan,
	year = {2025},
	note = {arXiv:2501.01234 [cs]},
	keywords = {Computer Science - Computer Vision and Pattern Recognition, Computer Science - Machine Learning},
}
"""

BETTER_BIBTEX = r"""
@comment{jabref-meta: databaseType:biblatex;}
@string{neurips = {Advances in Neural Information Processing Systems}}
@string{pmlr = "Proceedings of Machine Learning Research"}

@inproceedings{vaswani2017attention,
  title = {Attention {{Is All}} You {{Need}}},
  booktitle = neurips,
  author = {Vaswani, Ashish and Shazeer, Noam and Parmar, Niki and others},
  year = {2017},
  month = dec,
  volume = {30},
  keywords = {attention; transformers},
  abstract = {The dominant sequence transduction models are based on complex recurrent networks.}
}

@inproceedings{oztürk2023,
  title = {Na\"ive {B}ayes, {\'E}tudes and {\"O}zt{\"u}rk's Lemma},
  booktitle = pmlr # { 202},
  author = {{\"O}zt{\"u}rk, Ay{\c{s}}e and Dvo{\v r}{\'a}k, Anton{\'\i}n},
  date = {2023-07-23},
}
"""

SCHOLAR = (
    "@article{smith2024scaling,\n"
    "  title={Scaling laws for {LLM} agents},\n"
    "  author={Smith, John and Lee, Kim and others},\n"
    "  journal={arXiv preprint arXiv:2406.01234},\n"
    "  year={2024}\n"
    "}\n"
    "@inproceedings{lee2023tiny,title={Tiny models},author={Lee, Kim},"
    "booktitle={Proceedings of ACL},pages={1--9},year={2023}}\n"
)

DBLP = r"""
@inproceedings{DBLP:conf/nips/WangM23,
  author       = {Wei Wang 0001 and
                  J{\"{o}}rg M{\"{u}}ller},
  title        = {Sparse Mixtures of Experts},
  booktitle    = {Advances in Neural Information Processing Systems 36},
  crossref     = {DBLP:conf/nips/2023},
  year         = {2023},
  url          = {http://papers.nips.cc/paper/2023/hash/abc.html},
  biburl       = {https://dblp.org/rec/conf/nips/WangM23.bib},
}

@inproceedings{DBLP:conf/icml/Lee24,
  author       = {Kim Lee},
  title        = {Inherited Venue},
  crossref     = {DBLP:conf/icml/2024},
  pages        = {1--12},
}

@proceedings{DBLP:conf/icml/2024,
  title        = {Forty-first International Conference on Machine Learning, {ICML} 2024},
  publisher    = {OpenReview.net},
  year         = {2024},
}

@article{DBLP:journals/corr/abs-2406-05678,
  author       = {Kim Lee},
  title        = {A CoRR Paper},
  journal      = {CoRR},
  volume       = {abs/2406.05678},
  year         = {2024},
  eprinttype    = {arXiv},
  eprint       = {2406.05678},
}
"""

ARXIV = r"""@misc{li2024diffusion,
      title={Diffusion Forcing: Next-token Prediction Meets Full-Sequence Diffusion},
      author={Boyuan Chen and Diego Marti Monso and Yilun Du and Max Simchowitz and Russ Tedrake and Vincent Sitzmann},
      year={2024},
      eprint={2407.01392},
      archivePrefix={arXiv},
      primaryClass={cs.LG},
      url={https://arxiv.org/abs/2407.01392},
}"""


def parse(text: str) -> tuple[list[SourceEntry], list[str]]:
    entries, problems = bibtex.parse(text, "seeds/lib.bib")
    return entries, [str(p) for p in problems]


def by_title(entries: list[SourceEntry], start: str) -> SourceEntry:
    (entry,) = [e for e in entries if (e.title or "").startswith(start)]
    return entry


def test_zotero_export() -> None:
    entries, problems = parse(ZOTERO)
    assert problems == []
    article, preprint = entries
    assert article.ref.line == 2
    assert article.format == "bibtex"
    assert article.authors == ("Jörg Müller", "René Café", "John Smith")
    assert article.year == 2024
    assert article.venue == "Journal of Machine Learning Research"
    assert article.doi == "10.5555/3648699.3648702"
    assert article.url == "https://jmlr.org/papers/v25/muller24a.html"
    assert article.tags == ("attention", "efficiency", "transformers")
    assert article.arxiv is None
    assert preprint.ref.line == 22
    assert preprint.authors == ("Jane Doe", "OpenAI Team")
    assert preprint.arxiv == "2501.01234"
    assert preprint.venue == "arXiv"
    assert preprint.abstract == ""
    assert preprint.tags == (
        "Computer Science - Computer Vision and Pattern Recognition",
        "Computer Science - Machine Learning",
    )


def test_titles_and_abstracts_are_cleaned_by_the_catalogue() -> None:
    entries, _ = parse(ZOTERO)
    cleaned = clean_entry(entries[0])
    assert cleaned.title is not None
    assert cleaned.title.plain.startswith("Attention in Linear Time: A ")
    assert cleaned.title.plain.endswith(" Transformer")
    assert "<math" in cleaned.title.html
    assert "$" not in cleaned.title.plain and "{" not in cleaned.title.plain
    assert "10% faster w.r.t.\xa0the baseline" in cleaned.abstract.plain


def test_better_bibtex_strings_months_and_accents() -> None:
    entries, problems = parse(BETTER_BIBTEX)
    assert problems == []
    vaswani, lemma = entries
    assert vaswani.venue == "Advances in Neural Information Processing Systems"
    assert vaswani.authors == ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar")
    assert vaswani.tags == ("attention", "transformers")
    assert vaswani.abstract.startswith("The dominant sequence")
    assert clean_entry(vaswani).title.plain == "Attention Is All You Need"  # type: ignore[union-attr]
    assert lemma.venue == "Proceedings of Machine Learning Research 202"
    assert lemma.authors == ("Ayşe Öztürk", "Antonín Dvořák")
    assert lemma.year == 2023
    assert clean_entry(lemma).title.plain == "Naïve Bayes, Études and Öztürk's Lemma"  # type: ignore[union-attr]


def test_google_scholar_one_liners() -> None:
    entries, problems = parse(SCHOLAR)
    assert problems == []
    scaling, tiny = entries
    assert scaling.authors == ("John Smith", "Kim Lee")
    assert scaling.arxiv == "2406.01234"
    assert scaling.venue == "arXiv"
    assert tiny.ref.line == 7
    assert (tiny.title, tiny.venue, tiny.year) == ("Tiny models", "Proceedings of ACL", 2023)


def test_dblp_crossref_inherits_venue_and_year_and_volume_is_not_a_paper() -> None:
    entries, problems = parse(DBLP)
    # A volume missing from the file costs nothing when the entry has its own booktitle
    # and year, and a volume given is read as its papers' venue: neither is a warning.
    assert problems == []
    assert [e.title for e in entries] == [
        "Sparse Mixtures of Experts",
        "Inherited Venue",
        "A CoRR Paper",
    ]
    sparse, inherited, corr = entries
    assert sparse.authors == ("Wei Wang", "Jörg Müller")
    assert sparse.url == "http://papers.nips.cc/paper/2023/hash/abc.html"
    assert inherited.year == 2024
    assert inherited.venue == "Forty-first International Conference on Machine Learning, ICML 2024"
    assert corr.arxiv == "2406.05678"
    assert corr.venue == "CoRR"


def test_arxiv_export() -> None:
    (entry,), problems = parse(ARXIV)
    assert problems == []
    assert entry.arxiv == "2407.01392"
    assert entry.venue == "arXiv"
    assert entry.year == 2024
    assert entry.authors[:2] == ("Boyuan Chen", "Diego Marti Monso")
    assert entry.ref.line == 1


def test_malformed_entry_is_reported_at_its_line_and_the_rest_load() -> None:
    text = (
        "@article{good1, title = {First}, year = 2020}\n"
        "\n"
        "@article{broken,\n"
        "  title = {Unclosed {brace,\n"
        "  year = 2021\n"
        "}\n"
        "\n"
        "@article{good2,\n"
        "  title = {Second},\n"
        "}\n"
        "@article{nocomma,\n"
        "  title = {Third}\n"
        "  year = {2022}\n"
        "}\n"
        "@misc{good3, title = {Fourth}}\n"
    )
    entries, problems = bibtex.parse(text, "seeds/lib.bib")
    # A missing comma between fields is put back (test_realworld_bibtex); a brace left
    # open loses its entry.
    assert [e.title for e in entries] == ["First", "Second", "Third", "Fourth"]
    assert [e.ref.line for e in entries] == [1, 8, 11, 15]
    # Warnings: one bad entry never stops a site (--strict makes them errors).
    assert [(p.line, p.severity) for p in problems] == [
        (3, Severity.WARNING),
        (11, Severity.WARNING),
    ]
    assert problems[0].message.endswith("; entry skipped")
    assert "@article{broken}" in problems[0].message
    assert "@article{nocomma}" in problems[1].message and "comma" in problems[1].message


def test_undefined_string_and_untitled_entries_are_warnings() -> None:
    text = "@inproceedings{a, title = {T}, booktitle = iclr}\n@misc{b, year = 2020}\n"
    entries, problems = parse(text)
    assert [e.venue for e in entries] == ["iclr"]
    assert problems == [
        "seeds/lib.bib:1: warning: @inproceedings{a}: @string 'iclr' is not defined; "
        "kept as written",
        "seeds/lib.bib:2: warning: @misc{b} has neither title nor abstract; entry skipped",
    ]


def test_entry_with_abstract_but_no_title_is_untitled() -> None:
    (entry,), _ = parse("@misc{a, abstract = {We introduce Mirage, a model.}}")
    assert entry.title is None
    assert entry.abstract == "We introduce Mirage, a model."


def test_duplicate_entries_in_one_file_are_kept_and_merged_by_the_catalogue(
    make_project: Callable[..., Path],
) -> None:
    text = (
        "@article{a, title = {Same Paper}, year = 2020}\n"
        "@article{a, title = {Same paper}, author = {Doe, Jane}}\n"
        "@article{b, title = {{Same} {P}aper}, doi = {10.1000/x}}\n"
    )
    entries, problems = parse(text)
    assert len(entries) == 3
    assert problems == []  # sitegen keys papers by title: a key used twice changes nothing
    root = make_project({"seeds/lib.bib": text})
    settings, _ = load_settings(root)
    catalog = load(settings).catalog
    assert catalog is not None
    (paper,) = catalog.papers
    assert catalog.entry_count == 3
    assert (paper.title.plain, paper.year, paper.authors, paper.doi) == (
        "Same Paper",
        2020,
        ("Jane Doe",),
        "10.1000/x",
    )


def test_repeated_field_uses_the_first() -> None:
    (entry,), problems = parse("@article{a, title = {One}, title = {Two}}")
    assert entry.title == "One"
    assert problems == [
        "seeds/lib.bib:1: warning: @article{a}: field 'title' is given twice; the first is used"
    ]


def test_concatenation_parentheses_and_crlf() -> None:
    text = '@string(conf = "Conf")\r\n\r\n@article(k,\r\n  title = "A " # {B} # " C",\r\n'
    text += (
        "  journal = conf # { 2024},\r\n  author = {Jos\\'e Garc{\\'\\i}a},\r\n  year = 2024)\r\n"
    )
    (entry,), problems = parse(text)
    assert problems == []
    assert entry.ref.line == 3
    assert (entry.title, entry.venue, entry.authors) == ("A B C", "Conf 2024", ("José García",))


def test_sniff_by_content_not_extension() -> None:
    text = "% exported\n\n  @InProceedings{x, title={T}}\n"
    fmt = detect_format(text, ".txt")
    assert fmt is not None and fmt.name == "bibtex"
    assert not bibtex.sniff("Abstract: we use @article{ in a sentence", ".bib")
    entries, problems = parse_seed_text(ARXIV, "seeds/x.data")
    assert len(entries) == 1 and not problems


def test_bib_and_abstract_dump_become_one_paper(make_project: Callable[..., Path]) -> None:
    abstract = (
        "We introduce Mirage, an audio-to-video foundation model that generates realistic "
        "talking heads from audio alone. It is 10\\% better than prior work."
    )
    root = make_project(
        {
            "seeds/000_dump.txt": f"Abstract:{abstract}\nAbstract:An unrelated abstract about ranking.\n",
            "seeds/lib.bib": (
                "@misc{mirage2025,\n"
                "  title = {Mirage: {Audio}-to-Video Foundation Models},\n"
                '  author = {Doe, Jane and M{\\"u}ller, J{\\"o}rg},\n'
                "  year = {2025},\n"
                "  eprint = {2501.01234}, archivePrefix = {arXiv},\n"
                f"  abstract = {{{abstract}}},\n"
                "}\n"
                "@article{other, title = {Ranking Things}, doi = {https://doi.org/10.1000/RANK}}\n"
            ),
            "seeds/zotero.json": (
                '[{"type": "article-journal", "title": "Ranking things, revisited",'
                ' "DOI": "10.1000/rank", "container-title": "J. Ranking"}]\n'
            ),
        }
    )
    settings, _ = load_settings(root)
    loaded = load(settings)
    # The same DOI joins the two rankings; their titles differ, so the merge is shown.
    assert [str(p) for p in loaded.problems] == [
        "seeds/zotero.json:1: warning: merged with seeds/lib.bib:8 as one paper (same DOI) "
        "though the titles differ: 'Ranking Things' and 'Ranking things, revisited'; "
        "if they are different papers, correct the DOI"
    ]
    catalog = loaded.catalog
    assert catalog is not None
    assert catalog.entry_count == 5
    assert len(catalog.papers) == 3
    mirage = catalog.paper("mirage-audio-to-video-foundation-models")
    assert mirage.title.plain == "Mirage: Audio-to-Video Foundation Models"
    assert not mirage.title_inferred
    assert mirage.authors == ("Jane Doe", "Jörg Müller")
    assert mirage.year == 2025
    assert mirage.arxiv == "2501.01234"
    assert mirage.abstract.plain.endswith("10% better than prior work.")
    assert [str(s) for s in mirage.sources] == ["seeds/000_dump.txt:1", "seeds/lib.bib:1"]
    ranking = catalog.paper("ranking-things")
    assert [str(s) for s in ranking.sources] == ["seeds/lib.bib:8", "seeds/zotero.json:1"]
    assert ranking.venue == "J. Ranking"


BIB_ALPHABET = st.sampled_from(
    ["@article{", "@string{", "@misc(", "@comment{", "@preamble{", "title = ", "author = ",
     "crossref = {k}", "{", "}", "(", ")", '"', "#", ",", "=", "\n", " ", "k", "and", "others",
     "\\\"", "$", "%", "jan", "2024", "arXiv:2406.01234", "@"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(BIB_ALPHABET, max_size=40).map("".join))
def test_bibtex_like_text_never_raises(text: str) -> None:
    entries, problems = bibtex.parse(text, "x.bib")
    assert all(e.title or e.abstract for e in entries)
    assert all(p.line is None or p.line >= 1 for p in problems)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    entries, problems = bibtex.parse(text, "x.bib")
    assert isinstance(entries, list) and isinstance(problems, list)


def test_a_string_macro_bomb_is_a_warning_not_a_hang() -> None:
    strings = "".join(f"@string{{s{i} = s{i - 1} # s{i - 1}}}\n" for i in range(1, 40))
    text = '@string{s0 = "ab"}\n' + strings + "@article{a, title = {Kept}, note = s39}\n"
    entries, problems = parse(text)
    assert [e.title for e in entries] == ["Kept"]
    assert problems[0] == (
        "seeds/lib.bib:20: warning: @string 's19': @string macros expand to over "
        "1,000,000 characters; ignored"
    )


def test_a_broken_comment_or_preamble_holds_no_paper_and_warns_of_none() -> None:
    text = (
        "@article{a, title={First}}\n"
        "@comment{jabref-meta: grouping:\n1 StaticGroup:a{b\\;0\\;;\n}\n"
        '@preamble{"\\newcommand{\\x"}\n'
        "@article{b, title={Second}}\n"
    )
    entries, problems = parse(text)
    assert [(e.title, e.ref.line) for e in entries] == [("First", 1), ("Second", 6)]
    assert problems == []


def test_zotero_arxiv_ids_with_a_class_or_in_number_are_read() -> None:
    """Zotero writes ``eprint = {2005.14165 [cs]}`` and ``number = {arXiv:2005.14168}``."""
    text = (
        "@online{a, title={A}, eprint={2005.14165 [cs]}, eprinttype={arXiv}, date={2020}}\n"
        "@misc{d, title={D}, number={arXiv:2005.14168}, publisher={arXiv}, year=2020}\n"
        "@online{g, title={G}, eprint={arXiv:hep-th/9901001v1 [hep-th]}, eprinttype={arXiv}}\n"
        "@article{h, title={H}, number={12}, year=2020}\n"
    )
    entries, problems = bibtex.parse(text, "seeds/zotero.bib")
    assert [e.arxiv for e in entries] == ["2005.14165", "2005.14168", "hep-th/9901001v1", None]
    assert problems == []
