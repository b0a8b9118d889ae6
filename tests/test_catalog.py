"""The whole sample catalogue: counts, merged duplicates, keys, inferred titles."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from sitegen.catalog import load
from sitegen.catalog.keys import MAX_KEY_LENGTH, assign_keys, slugify, tag_slug
from sitegen.catalog.titles import infer_title
from sitegen.model import Catalog
from sitegen.settings import load_settings

DUPLICATED_TITLES = {
    "Discovering Temporally-Aware Reinforcement Learning Algorithms",
    "Two-Stage Constrained Actor-Critic for Short Video Recommendation",
}


def test_sample_has_172_entries_and_169_papers(sample_catalog: Catalog) -> None:
    assert sample_catalog.entry_count == 172
    assert len(sample_catalog.papers) + len(sample_catalog.hidden_keys) == 169


def test_papers_listed_in_both_daily_files_keep_both_sources(sample_catalog: Catalog) -> None:
    merged = [p for p in sample_catalog.papers if len(p.sources) > 1]
    assert len(merged) == 3
    for paper in merged:
        files = [s.file for s in paper.sources]
        assert files == ["seeds/003_2747324a0543969f.txt", "seeds/004_af8b61a776d923ce.txt"]
    titles = {p.title.plain for p in merged}
    assert titles >= DUPLICATED_TITLES
    assert any(t.startswith("Reinforcement Learning in the Era of LLMs") for t in titles)


def test_duplicate_sources_point_at_the_real_title_lines(sample_catalog: Catalog) -> None:
    paper = next(
        p
        for p in sample_catalog.papers
        if p.title.plain in DUPLICATED_TITLES and "Discovering" in p.title.plain
    )
    seeds = Path(__file__).resolve().parent.parent
    for source in paper.sources:
        line = (seeds / source.file).read_text(encoding="utf-8").splitlines()[source.line - 1]
        assert line.strip() == paper.title.plain


def test_keys_are_unique_ascii_and_short(sample_catalog: Catalog) -> None:
    keys = [p.key for p in sample_catalog.papers]
    assert len(set(keys)) == len(keys)
    for key in keys:
        assert len(key) <= MAX_KEY_LENGTH
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", key), key


def test_tulu_title_is_cleaned_and_keyed(sample_catalog: Catalog) -> None:
    paper = sample_catalog.paper("tulu-3-pushing-frontiers-in-open-language-model-post")
    assert paper.title.plain == "TÜLU 3: Pushing Frontiers in Open Language Model Post-Training"


def test_24_untitled_abstracts_get_inferred_titles(sample_catalog: Catalog) -> None:
    inferred = [p for p in sample_catalog.papers if p.title_inferred]
    untitled = [
        p
        for p in sample_catalog.papers
        if p.sources[0].file.startswith("seeds/00")
        and p.sources[0].file[6:9] in {"000", "001", "002"}
    ]
    assert len(untitled) == 24
    # Annotations may set real titles for some; every other one stays marked inferred.
    assert {p.key for p in inferred} <= {p.key for p in untitled}
    assert all(p.title.plain for p in untitled)


def test_mirage_and_elastictok_titles_name_the_method() -> None:
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    mirage = (seeds / "000_6af1ad890a215dbb.txt").read_text().splitlines()[0]
    elastic = (seeds / "001_ec8143e1ce1fb9b3.txt").read_text().splitlines()[1]
    assert (
        infer_title(mirage.removeprefix("Abstract:"))
        == "Mirage: an audio-to-video foundation model"
    )
    assert infer_title(elastic.removeprefix("Abstract:")).startswith("ElasticTok: a method")


SEEDS = Path(__file__).resolve().parent.parent / "seeds"
INFERRED_TITLES = [
    # The contribution's name, wherever the abstract gives it.
    ("000_6af1ad890a215dbb.txt", 1, "Mirage: an audio-to-video foundation model"),
    (
        "002_3c7b7a09f6373a5e.txt",
        4,
        "Transframer: a general-purpose framework for image modelling and vision tasks",
    ),
    ("001_ec8143e1ce1fb9b3.txt", 10, "WebAgent: an LLM-driven agent"),
    (
        "001_ec8143e1ce1fb9b3.txt",
        7,
        "CompWoB: 50 new compositional web automation tasks reflecting more realistic assumptions",
    ),
    (
        "002_3c7b7a09f6373a5e.txt",
        8,
        "ReLIC: Representation Learning via Invariant Causal Mechanisms",
    ),
    # Otherwise the sentence that states the contribution, not the background.
    (
        "001_ec8143e1ce1fb9b3.txt",
        8,
        "A framework for classifying the capabilities and behavior of Artificial…",
    ),
    ("001_ec8143e1ce1fb9b3.txt", 6, "Guiding evolution with a binary discriminator"),
    (
        "002_3c7b7a09f6373a5e.txt",
        3,
        "Investigating transfer learning in the context of model-based agents",
    ),
    (
        "000_6af1ad890a215dbb.txt",
        4,
        "Behavioral cloning of randomly sampled trajectories is sufficient to learn…",
    ),
    ("002_3c7b7a09f6373a5e.txt", 10, "Predicting the dense trajectory of pixels in a scene"),
    ("001_ec8143e1ce1fb9b3.txt", 3, "The distributional soft preference labels"),
    # No sentence says what the paper contributes: the head of the first one.
    (
        "002_3c7b7a09f6373a5e.txt",
        9,
        "Current approaches in video forecasting attempt to generate videos directly…",
    ),
]


@pytest.mark.parametrize(("seed", "line", "title"), INFERRED_TITLES)
def test_inferred_titles_name_the_contribution(seed: str, line: int, title: str) -> None:
    abstract = (SEEDS / seed).read_text(encoding="utf-8").splitlines()[line - 1]
    assert infer_title(abstract.removeprefix("Abstract:")) == title


def test_an_annotation_title_still_wins_over_the_inferred_one(sample_catalog: Catalog) -> None:
    webagent = sample_catalog.paper("webagent-an-llm-driven-agent")
    assert webagent.title.plain.startswith("A Real-World WebAgent")
    assert not webagent.title_inferred
    relic = sample_catalog.paper("relic-representation-learning-via-invariant-causal")
    assert relic.title_inferred
    assert relic.title.plain == "ReLIC: Representation Learning via Invariant Causal Mechanisms"


def test_unnamed_abstract_gets_head_of_first_sentence() -> None:
    title = infer_title(
        "Answering complex natural language questions often necessitates multi-step "
        "reasoning and integrating external information. Several systems have ..."
    )
    assert title.startswith("Answering complex natural language questions")
    assert title.endswith("…")
    assert len(title.split()) <= 11


def test_keys_number_collisions_in_source_order() -> None:
    keys = assign_keys(["Attention Is All You Need", "Attention is all you need!", "Other"])
    assert keys == ["attention-is-all-you-need", "attention-is-all-you-need-2", "other"]


def test_long_titles_cut_at_a_word_boundary() -> None:
    title = "A Very Long Title About Reinforcement Learning From Human Feedback In Large Models"
    (key,) = assign_keys([title])
    assert len(key) <= MAX_KEY_LENGTH
    assert slugify(title).startswith(key)
    assert not key.endswith("-")
    assert slugify(title)[len(key)] == "-"


def test_collision_suffix_still_fits_in_60_characters() -> None:
    title = "x" * 30 + " " + "y" * 29
    keys = assign_keys([title, title])
    assert all(len(k) <= MAX_KEY_LENGTH for k in keys)
    assert keys[1].endswith("-2")


def test_annotation_title_does_not_change_the_key(make_project: Callable[..., Path]) -> None:
    abstract = "Abstract:We introduce Zebra, a model of stripes. It works well.\n"
    root = make_project({"seeds/a.txt": abstract})
    settings, _ = load_settings(root)
    before = load(settings).catalog
    assert before is not None
    (key,) = [p.key for p in before.papers]
    assert key == "zebra-a-model-of-stripes"
    (root / "content/annotations/a.yaml").write_text(f"{key}:\n  title: Zebra stripes for all\n")
    after = load(settings).catalog
    assert after is not None
    (paper,) = after.papers
    assert paper.key == key
    assert paper.title.plain == "Zebra stripes for all"
    assert not paper.title_inferred


def test_untitled_abstract_matching_a_titled_one_merges(make_project: Callable[..., Path]) -> None:
    abstract = "We study stripes on zebras and find that they are black and white."
    root = make_project(
        {
            "seeds/a.txt": f"Abstract:{abstract}\n",
            "seeds/b.txt": f"Mar 3\n\nZebra Stripes Explained\n\n{abstract}\n",
        }
    )
    settings, _ = load_settings(root)
    catalog = load(settings).catalog
    assert catalog is not None
    (paper,) = catalog.papers
    assert paper.title.plain == "Zebra Stripes Explained"
    assert not paper.title_inferred
    assert [s.file for s in paper.sources] == ["seeds/a.txt", "seeds/b.txt"]
    assert paper.listed_on == "03-03"


def test_empty_seeds_folder_builds_an_empty_catalog(make_project: Callable[..., Path]) -> None:
    root = make_project()
    settings, _ = load_settings(root)
    loaded = load(settings)
    assert loaded.catalog is not None
    assert loaded.catalog.papers == ()


def test_tags_that_differ_only_in_symbols_or_script_get_their_own_slugs() -> None:
    slugs = [tag_slug(t) for t in ("C++", "C#", "C", "强化学习", "机器人", "RL", "rl")]
    assert slugs[:3] == ["c-plus-plus", "c-sharp", "c"]
    assert slugs[3].startswith("tag-") and slugs[4].startswith("tag-") and slugs[3] != slugs[4]
    assert slugs[5] == slugs[6] == "rl"  # case alone shares a page
    assert tag_slug("强化学习") == slugs[3]  # stable
