"""Merging seed entries into papers: only on strong evidence, and every merge shown."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from sitegen.catalog import Loaded, load
from sitegen.catalog.dedupe import compatible, normalise, substantial
from sitegen.cli import cli
from sitegen.settings import load_settings

from .conftest import BIBLIOGRAPHIES

REPRODUCTION = r"""
@article{a1, title={Deep residual learning for image recognition}, year={2016}, abstract={Not available}}
@article{a2, title={Attention is all you need}, year={2017}, abstract={Not available}}
@incollection{c1, title={Chapter one: foundations}, year={2020}, doi={10.5772/3457}, booktitle={A Book}}
@incollection{c2, title={Chapter two: applications}, year={2020}, doi={10.5772/3457}, booktitle={A Book}}
"""

ABSTRACT = (
    "We introduce Mirage, an audio-to-video foundation model that generates realistic "
    "talking people from an audio track alone."
)


def load_files(make_project: Callable[..., Path], *names: str, **texts: str) -> Loaded:
    root = make_project({f"seeds/{name}": text for name, text in texts.items()})
    for name in names:
        shutil.copy(BIBLIOGRAPHIES / name, root / "seeds" / name)
    settings, _ = load_settings(root)
    return load(settings)


def titles(loaded: Loaded) -> list[str]:
    assert loaded.catalog is not None
    return sorted(p.title.plain for p in loaded.catalog.papers)


def warnings(loaded: Loaded) -> list[str]:
    return [str(p) for p in loaded.problems]


def test_the_reported_four_entries_are_four_papers(make_project: Callable[..., Path]) -> None:
    loaded = load_files(make_project, **{"lib.bib": REPRODUCTION})
    assert len(titles(loaded)) == 4
    assert loaded.merges == ()
    assert warnings(loaded) == []


def test_placeholder_abstracts_merge_nothing(make_project: Callable[..., Path]) -> None:
    loaded = load_files(make_project, "jabref-placeholders.bib")
    assert titles(loaded) == [
        "Adam: A Method for Stochastic Optimization",
        "Attention is all you need",
        "Deep residual learning for image recognition",
        "Dropout: a simple way to prevent neural networks from overfitting",
    ]


def test_chapters_sharing_their_books_doi_and_blurb_stay_apart(
    make_project: Callable[..., Path],
) -> None:
    loaded = load_files(make_project, "endnote-chapters.bib")
    assert titles(loaded) == ["Chapter one: foundations", "Chapter two: applications"]
    assert loaded.merges == ()


def test_a_wrong_arxiv_id_joins_only_papers_with_the_same_title(
    make_project: Callable[..., Path],
) -> None:
    loaded = load_files(make_project, "mendeley-arxiv.bib")
    assert titles(loaded) == [
        "Decision Transformer: Reinforcement Learning via Sequence Modeling",
        "Offline Reinforcement Learning as One Big Sequence Modeling Problem",
    ]
    ((merge, key),) = loaded.merges
    assert (str(merge.first), str(merge.second), merge.reason) == (
        "seeds/mendeley-arxiv.bib:6",
        "seeds/mendeley-arxiv.bib:22",
        "title",
    )
    assert key == "decision-transformer-reinforcement-learning-via-sequence"
    assert warnings(loaded) == []


def test_same_doi_in_another_case_with_a_shorter_title_merges_with_a_warning(
    make_project: Callable[..., Path],
) -> None:
    loaded = load_files(make_project, "zotero-same-doi.json")
    assert titles(loaded) == ["Mastering the game of Go with deep neural networks and tree search"]
    ((merge, _),) = loaded.merges
    assert merge.reason == "DOI"
    (warning,) = warnings(loaded)
    assert warning.startswith(
        "seeds/zotero-same-doi.json:10: warning: merged with seeds/zotero-same-doi.json:2 "
        "as one paper (same DOI) though the titles differ: "
    )
    assert loaded.catalog is not None
    assert loaded.catalog.papers[0].doi == "10.1038/NATURE16961"  # shown as given


def test_substantial_abstract_joins_an_untitled_entry(make_project: Callable[..., Path]) -> None:
    bib = f"@article{{m, title={{Mirage: Audio to Video}}, abstract={{{ABSTRACT}}}}}\n"
    loaded = load_files(make_project, **{"dump.txt": f"Abstract:{ABSTRACT}\n", "lib.bib": bib})
    assert titles(loaded) == ["Mirage: Audio to Video"]
    ((merge, key),) = loaded.merges
    assert (str(merge.first), str(merge.second), merge.reason, key) == (
        "seeds/dump.txt:1",
        "seeds/lib.bib:1",
        "abstract",
        "mirage-audio-to-video",
    )


def test_an_abstract_shared_by_two_titled_papers_joins_neither_to_an_untitled_one(
    make_project: Callable[..., Path],
) -> None:
    bib = (
        f"@article{{a, title={{Mirage: Audio to Video}}, abstract={{{ABSTRACT}}}}}\n"
        f"@article{{b, title={{Completely different work}}, abstract={{{ABSTRACT}}}}}\n"
    )
    loaded = load_files(make_project, **{"a.txt": f"Abstract:{ABSTRACT}\n", "lib.bib": bib})
    # The untitled entry joins the first titled one; the second title conflicts with it.
    assert titles(loaded) == ["Completely different work", "Mirage: Audio to Video"]


def test_check_counts_and_verbose_check_lists_each_merge(
    make_project: Callable[..., Path],
) -> None:
    root = make_project({"seeds/lib.bib": REPRODUCTION})
    shutil.copy(BIBLIOGRAPHIES / "mendeley-arxiv.bib", root / "seeds" / "mendeley-arxiv.bib")
    result = CliRunner().invoke(cli, ["-C", str(root), "-v", "check"])
    assert result.exit_code == 0, result.output
    assert (
        "seeds/mendeley-arxiv.bib:6 + seeds/mendeley-arxiv.bib:22 -> "
        "decision-transformer-reinforcement-learning-via-sequence (title)"
    ) in result.stdout
    assert "ok: 7 entries, 6 papers" in result.stdout
    quiet = CliRunner().invoke(cli, ["-C", str(root), "check"])
    assert " -> " not in quiet.stdout


def test_compatible_titles() -> None:
    def both(a: str, b: str) -> bool:
        return compatible(normalise(a), normalise(b))

    assert both("Attention Is All You Need", "attention is all you need.")
    assert both("", "Anything at all")
    assert both("BERT: pre-training", "BERT: pre-training of deep bidirectional transformers")
    assert both("Generative adversarial nets", "Generative adversarial networks")
    assert not both("Chapter one: foundations", "Chapter two: applications")
    assert not both("Attention is all you need", "Deep residual learning for image recognition")


def test_substantial_abstracts() -> None:
    for placeholder in ("Not available", "No abstract", "[No abstract available]", "N/A", ""):
        assert not substantial(normalise(placeholder))
    assert not substantial(normalise("Abstract not available for this article."))
    assert substantial(normalise(ABSTRACT))


def test_a_real_abstract_is_preferred_to_a_placeholder(make_project: Callable[..., Path]) -> None:
    bib = "@article{b, title={Attention is all you need}, abstract={Real text.}}\n"
    loaded = load_files(make_project, "jabref-placeholders.bib", **{"z.bib": bib})
    assert loaded.catalog is not None
    paper = loaded.catalog.paper("attention-is-all-you-need")
    assert paper.abstract.plain == "Real text."


def test_recurring_generic_titles_of_different_works_stay_apart(
    make_project: Callable[..., Path],
) -> None:
    loaded = load_files(make_project, "wos-editorials.bib")
    assert loaded.catalog is not None
    assert [(p.title.plain, p.year) for p in loaded.catalog.papers] == [
        ("Editorial", 2003),
        ("Editorial", 2004),
        ("Introduction", 2011),
        ("Introduction", 2015),
        ("Attention Is All You Need", 2017),
    ]
    ((merge, _),) = loaded.merges  # the preprint's arXiv DOI does not keep it apart
    assert (str(merge.first), str(merge.second), merge.reason) == (
        "seeds/wos-editorials.bib:31",
        "seeds/wos-editorials.bib:38",
        "title",
    )
    assert warnings(loaded) == []


def test_one_arxiv_id_is_one_paper_whoever_is_credited_and_whenever(
    make_project: Callable[..., Path],
) -> None:
    loaded = load_files(make_project, "gpt4-two-credits.bib")
    assert titles(loaded) == ["Gpt-4 technical report"]
    ((merge, _),) = loaded.merges
    assert (str(merge.second), merge.reason) == ("seeds/gpt4-two-credits.bib:8", "title")


def test_a_title_of_a_word_or_two_by_other_authors_is_another_work(
    make_project: Callable[..., Path],
) -> None:
    loaded = load_files(make_project, "short-titles.bib")
    assert loaded.catalog is not None
    assert [(p.title.plain, p.authors[0]) for p in loaded.catalog.papers] == [
        ("Untitled", "PP Wang"),
        ("Untitled", "W Pedrycz"),
        ("Deep learning", "Yann LeCun"),
    ]
    ((merge, _),) = loaded.merges
    assert (str(merge.second), merge.reason) == ("seeds/short-titles.bib:22", "title")


def test_one_doi_written_url_encoded_or_with_a_full_stop_is_one_paper(
    make_project: Callable[..., Path],
) -> None:
    text = (
        "@article{a, title={Regression trees}, doi={10.1016%2Fj.eswa.2016.10.021}, year=2017}\n"
        "@article{b, title={Regression Trees}, doi={doi:10.1016/j.eswa.2016.10.021.}, year=2016}\n"
    )
    loaded = load_files(make_project, **{"lib.bib": text})
    assert titles(loaded) == ["Regression trees"]
    assert loaded.catalog is not None
    assert loaded.catalog.papers[0].doi == "10.1016/j.eswa.2016.10.021"


def test_a_preprint_and_its_journal_version_by_one_author_merge_however_the_name_is_written(
    make_project: Callable[..., Path],
) -> None:
    # Different years need an author in common: "Smith, John", "John Smith Jr." and
    # "SMITH, J." are one family name, as the authors page reads them.
    loaded = load_files(
        make_project,
        **{
            "a.bib": "@misc{a, title={Sparse Rewards for Agents}, author={John Smith Jr.}, "
            "year=2023}\n",
            "b.bib": "@article{b, title={Sparse rewards for agents}, author={Smith, John}, "
            "year=2024, journal={JMLR}}\n",
            "c.bib": "@article{c, title={Sparse Rewards for Agents}, author={Doe, Jane}, "
            "year=2021}\n",
        },
    )
    assert loaded.catalog is not None
    assert sorted(len(p.sources) for p in loaded.catalog.papers) == [1, 2]


def test_one_title_in_two_journals_by_no_one_in_common_is_two_papers(
    make_project: Callable[..., Path],
) -> None:
    # A volume's front matter, as Web of Science and journal exports list it: authorless
    # "Preface"s and "Introduction to the Special Issue"s of different journals were
    # merged into one paper each, losing the others.
    text = (
        "@article{p1, title = {Preface}, journal = {Journal of Logic}, year = 2019}\n"
        "@article{p2, title = {Preface}, journal = {Machine Learning}, year = 2019}\n"
        "@article{s1, title = {Introduction to the Special Issue}, journal = {Synthese},"
        " year = 2020}\n"
        "@article{s2, title = {Introduction to the Special Issue}, journal = {Erkenntnis},"
        " year = 2020}\n"
        "@inproceedings{c1, title = {Deep Residual Learning for Image Recognition},"
        " author = {He, Kaiming and Zhang, Xiangyu}, booktitle = {CVPR}, year = 2016}\n"
        "@article{c2, title = {Deep Residual Learning for Image Recognition},"
        " author = {Kaiming He}, journal = {IEEE TPAMI}, year = 2016}\n"
    )
    loaded = load_files(make_project, **{"front.bib": text})
    assert titles(loaded) == [
        "Deep Residual Learning for Image Recognition",
        "Introduction to the Special Issue",
        "Introduction to the Special Issue",
        "Preface",
        "Preface",
    ]
