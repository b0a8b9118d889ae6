"""Related papers by TF-IDF cosine similarity."""

from __future__ import annotations

import pytest

import sitegen.related
from sitegen.related import related_papers
from sitegen.sources import read_seeds

from .conftest import REPO

TEXTS = [
    "Video diffusion models generate video from text prompts.",  # 0
    "Offline reinforcement learning from logged datasets of trajectories.",  # 1
    "Text-to-video diffusion: generating video clips with diffusion models.",  # 2
    "Reinforcement learning agents explore sparse reward environments.",  # 3
    "Offline reinforcement learning with conservative value functions and datasets.",  # 4
    "A recipe for sourdough bread with rye flour.",  # 5
]


def test_similar_texts_are_related_best_first() -> None:
    related = related_papers(TEXTS, count=2)
    assert related[0] == (2,)
    assert related[2] == (0,)
    assert related[1] == (4, 3)
    assert related[4][0] == 1


def test_a_text_is_never_related_to_itself() -> None:
    for index, others in enumerate(related_papers(TEXTS, count=10)):
        assert index not in others


def test_count_is_respected() -> None:
    assert all(len(r) <= 1 for r in related_papers(TEXTS, count=1))
    assert related_papers(TEXTS, count=0) == [()] * len(TEXTS)


def test_texts_sharing_no_term_are_not_related() -> None:
    related = related_papers(TEXTS, count=5)
    assert related[5] == ()
    assert all(5 not in others for others in related)


def test_ties_go_to_the_lower_index_whatever_the_order() -> None:
    texts = ["apple banana", "cherry", "apple banana", "apple banana", "apple banana"]
    assert related_papers(texts, count=2) == [(2, 3), (), (0, 3), (0, 2), (0, 2)]


def test_ties_at_the_cut_off_go_to_the_lower_indexes(monkeypatch: pytest.MonkeyPatch) -> None:
    # One row a block, and more tied candidates than places.
    monkeypatch.setattr(sitegen.related, "BLOCK_CELLS", 1)
    texts = ["kiwi"] * 7 + ["mango"]
    related = related_papers(texts, count=5)
    assert related[0] == (1, 2, 3, 4, 5)
    assert related[6] == (0, 1, 2, 3, 4)
    assert related[7] == ()


def test_the_result_is_reproducible() -> None:
    assert related_papers(TEXTS) == related_papers(list(TEXTS))


def test_degenerate_inputs() -> None:
    assert related_papers([]) == []
    assert related_papers(["only one paper about video"]) == [()]
    # Nothing but stop words: scikit-learn finds an empty vocabulary.
    assert related_papers(["the and of", "it is a", "!!!"]) == [(), (), ()]


def test_on_the_sample_rlhf_papers_are_related_to_each_other() -> None:
    entries, _ = read_seeds(REPO / "seeds", REPO)
    titles = [entry.title or "" for entry in entries]
    texts = [f"{entry.title or ''}. {entry.abstract}" for entry in entries]
    related = related_papers(texts, count=5)

    def index(start: str) -> int:
        return next(i for i, title in enumerate(titles) if title.startswith(start))

    rl_era = index("Reinforcement Learning in the Era of LLMs")
    picks = [titles[i] for i in related[rl_era]]
    # Its twin from the other daily listing is the closest paper.
    assert picks[0] == titles[rl_era]
    assert any("RLHF" in title or "Human Feedback" in title for title in picks[1:]), picks
    # Talking-head papers find each other.
    edtalk = index("EDTalk")
    talking = {index("DPE:"), index("FD2Talk"), index("Sonic:"), index("JoyVASA")}
    assert len(set(related[edtalk]) & talking) >= 3


def _topical_corpus(papers: int, topics: int) -> tuple[list[str], list[int]]:
    """Texts that each draw most words from one topic's vocabulary."""
    import random

    rng = random.Random(7)
    vocabularies = [[f"t{t}w{w}" for w in range(40)] for t in range(topics)]
    common = [f"common{w}" for w in range(400)]
    texts, labels = [], []
    for index in range(papers):
        topic = index % topics
        words = rng.choices(vocabularies[topic], k=25) + rng.choices(common, k=40)
        texts.append(" ".join(words))
        labels.append(topic)
    return texts, labels


def test_large_catalogues_use_the_approximate_search_and_stay_topical(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts, labels = _topical_corpus(papers=1200, topics=12)
    monkeypatch.setattr(sitegen.related, "EXACT_LIMIT", 100)
    monkeypatch.setattr(sitegen.related, "LSA_DIMENSIONS", 32)
    approximate = related_papers(texts, count=5)
    assert approximate == related_papers(texts, count=5)  # reproducible
    picks = [(i, j) for i, row in enumerate(approximate) for j in row]
    assert all(i != j for i, j in picks)
    assert all(len(row) == 5 for row in approximate)
    same_topic = sum(labels[i] == labels[j] for i, j in picks) / len(picks)
    assert same_topic > 0.9


def test_large_catalogues_get_the_same_related_papers_whatever_the_cores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Multi-threaded BLAS sums in another order: 233 of 10,000 papers got other related
    # papers on 1 thread than on 2. The site must not depend on the machine's cores.
    from threadpoolctl import threadpool_limits

    texts, _ = _topical_corpus(papers=3000, topics=30)
    monkeypatch.setattr(sitegen.related, "EXACT_LIMIT", 100)
    with threadpool_limits(limits=1):
        one = related_papers(texts, count=5)
    with threadpool_limits(limits=4):
        four = related_papers(texts, count=5)
    assert one == four
