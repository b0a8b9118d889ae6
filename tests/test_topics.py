"""Topics: loading content/topics.yaml with every problem located, and rule matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.catalog.topic_match import TopicMatcher
from sitegen.catalog.topics import apply_topic_changes, load_topics
from sitegen.model import Problem, Severity
from sitegen.sources import read_seeds

from .conftest import REPO


def load(tmp_path: Path, text: str) -> tuple[list[str], list[Problem]]:
    path = tmp_path / "topics.yaml"
    path.write_text(text, encoding="utf-8")
    topics, problems = load_topics(path, "content/topics.yaml")
    return [t.slug for t in topics], problems


def only(problems: list[Problem], severity: Severity = Severity.ERROR) -> Problem:
    matching = [p for p in problems if p.severity == severity]
    assert len(matching) == 1, problems
    return matching[0]


def test_missing_file_means_no_topics_and_no_problem(tmp_path: Path) -> None:
    assert load_topics(tmp_path / "absent.yaml", "content/topics.yaml") == ([], [])


def test_list_and_topics_mapping_forms_both_load(tmp_path: Path) -> None:
    listed = "- slug: rl\n  name: RL\n  keywords: [reinforcement learning]\n"
    wrapped = "topics:\n  - slug: rl\n    name: RL\n"
    assert load(tmp_path, listed) == (["rl"], [])
    assert load(tmp_path, wrapped) == (["rl"], [])


def test_fields_are_read(tmp_path: Path) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(
        "- slug: video\n  name: Video\n"
        "- slug: talking-heads\n  name: Talking heads\n  parent: video\n"
        "  description: Faces that *speak*.\n  keywords: [talking head*]\n"
        "  patterns: ['lip[- ]?sync']\n",
        encoding="utf-8",
    )
    topics, problems = load_topics(path, "content/topics.yaml")
    assert problems == []
    heads = topics[1]
    assert (heads.slug, heads.name, heads.parent) == ("talking-heads", "Talking heads", "video")
    assert heads.description == "Faces that *speak*."
    assert heads.keywords == ("talking head*",)
    assert heads.patterns == ("lip[- ]?sync",)
    assert str(heads.ref) == "content/topics.yaml:3"


def test_bad_slug_is_an_error_at_its_line(tmp_path: Path) -> None:
    slugs, problems = load(tmp_path, "- slug: ok\n  name: OK\n- slug: Video Gen\n  name: V\n")
    problem = only(problems)
    assert (problem.file, problem.line) == ("content/topics.yaml", 3)
    assert "bad topic slug 'Video Gen'" in problem.message
    assert slugs == ["ok"]


def test_unsorted_slug_is_reserved(tmp_path: Path) -> None:
    _, problems = load(tmp_path, "- slug: unsorted\n  name: Misc\n")
    assert "reserved" in only(problems).message


def test_unknown_parent_is_an_error_with_did_you_mean(tmp_path: Path) -> None:
    text = (
        "- slug: reinforcement-learning\n  name: RL\n"
        "- slug: offline-rl\n  name: Offline RL\n  parent: reinforcement-learnin\n"
    )
    _, problems = load(tmp_path, text)
    problem = only(problems)
    assert problem.line == 5
    assert "unknown parent topic 'reinforcement-learnin'" in problem.message
    assert "did you mean 'reinforcement-learning'?" in problem.message


def test_parent_cycle_is_an_error_and_broken(tmp_path: Path) -> None:
    text = (
        "- slug: a\n  parent: c\n"
        "- slug: b\n  parent: a\n"
        "- slug: c\n  parent: b\n"
        "- slug: d\n  parent: d\n"
    )
    path = tmp_path / "topics.yaml"
    path.write_text(text, encoding="utf-8")
    topics, problems = load_topics(path, "content/topics.yaml")
    assert [(p.line, p.message.split(";")[0]) for p in problems] == [
        (2, "topic parents form a cycle: a → c → b → a"),
        (8, "topic parents form a cycle: d → d"),
    ]
    # The loop is cut so that later stages can walk parents safely.
    assert all(t.parent is None for t in topics)


def test_invalid_regex_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = "- slug: rl\n  name: RL\n  patterns:\n    - 'policy\\s+gradient'\n    - 'q-(learning'\n"
    slugs, problems = load(tmp_path, text)
    problem = only(problems)
    assert problem.line == 5
    assert "invalid regular expression 'q-(learning'" in problem.message
    assert slugs == ["rl"]


def test_pattern_matching_empty_text_is_an_error(tmp_path: Path) -> None:
    _, problems = load(tmp_path, "- slug: rl\n  patterns: ['(rl)?']\n")
    assert "matches empty text" in only(problems).message


def test_duplicate_slug_is_an_error_naming_the_first(tmp_path: Path) -> None:
    slugs, problems = load(tmp_path, "- slug: rl\n  name: RL\n- slug: rl\n  name: Again\n")
    problem = only(problems)
    assert problem.line == 3
    assert problem.message == "duplicate topic slug 'rl': already defined at line 1"
    assert slugs == ["rl"]


def test_unknown_field_is_a_warning_with_did_you_mean(tmp_path: Path) -> None:
    slugs, problems = load(tmp_path, "- slug: rl\n  name: RL\n  keyword: [rl]\n")
    problem = only(problems, Severity.WARNING)
    assert problem.line == 3
    assert "unknown topic field 'keyword'; did you mean 'keywords'?" in problem.message
    assert slugs == ["rl"]


def test_wrong_types_and_bad_keywords_are_errors(tmp_path: Path) -> None:
    text = (
        "- slug: rl\n"
        "  name: [not, text]\n"
        "  keywords: reinforcement learning\n"
        "- slug: agents\n"
        "  keywords: ['ag*ent', '', 'agent*']\n"
        "- just a string\n"
    )
    slugs, problems = load(tmp_path, text)
    assert [p.line for p in problems] == [2, 3, 5, 5, 6]
    assert all(p.severity == Severity.ERROR for p in problems)
    assert slugs == ["rl", "agents"]


def test_every_problem_is_reported_in_one_pass(tmp_path: Path) -> None:
    text = "- slug: Bad\n- slug: ok\n  parent: nope\n  patterns: ['(']\n  colour: red\n- slug: ok\n"
    _, problems = load(tmp_path, text)
    assert [p.line for p in problems] == [1, 3, 4, 5, 6]


def test_yaml_syntax_error_is_reported_not_raised(tmp_path: Path) -> None:
    slugs, problems = load(tmp_path, "- slug: rl\n  name: [unclosed\n")
    assert slugs == []
    assert problems and problems[0].message.startswith("YAML syntax error")


def test_top_level_must_be_a_list_of_topics(tmp_path: Path) -> None:
    _, problems = load(tmp_path, "rl: Reinforcement learning\n")
    assert any("expected a list of topics" in p.message for p in problems)


# Matching


def matcher(tmp_path: Path, text: str) -> TopicMatcher:
    path = tmp_path / "topics.yaml"
    path.write_text(text, encoding="utf-8")
    topics, problems = load_topics(path, "content/topics.yaml")
    assert problems == []
    return TopicMatcher(topics)


RULES = """
- slug: rl
  keywords: [reinforcement learning, RL]
- slug: rlhf
  keywords: [reinforcement learning from human feedback, RLHF]
- slug: agents
  keywords: ['agent*', text-to-video]
- slug: talking-heads
  parent: video
  patterns: ['lip[- ]?sync']
- slug: video
  keywords: [video generation]
"""


def test_keyword_in_title_is_enough(tmp_path: Path) -> None:
    rules = matcher(tmp_path, RULES)
    assert rules.match("Offline RL at scale", "We study datasets.") == ("rl",)


def test_abstract_needs_more_than_a_passing_mention(tmp_path: Path) -> None:
    rules = matcher(tmp_path, RULES)
    assert rules.match("A title", "Unlike reinforcement learning, we classify.") == ()
    assert rules.match("A title", "We use RL. Our RL method wins.") == ("rl",)


def test_keywords_match_whole_words_only(tmp_path: Path) -> None:
    rules = matcher(tmp_path, RULES)
    assert rules.match("A world model for URLs", "") == ()
    assert rules.match("Reagents in chemistry", "") == ()


def test_trailing_star_matches_a_word_prefix(tmp_path: Path) -> None:
    rules = matcher(tmp_path, RULES)
    for title in ("Agents that browse", "Agentic workflows", "An agent"):
        assert rules.match(title, "") == ("agents",), title


def test_case_and_hyphens_or_spaces_do_not_matter(tmp_path: Path) -> None:
    rules = matcher(tmp_path, RULES)
    assert rules.match("TEXT TO VIDEO at scale", "") == ("agents",)
    assert rules.match("Lip-sync and lipsync", "") == ("talking-heads", "video")


def test_longest_keyword_wins_where_keywords_overlap(tmp_path: Path) -> None:
    rules = matcher(tmp_path, RULES)
    title = "Reinforcement Learning from Human Feedback for chat"
    assert rules.match(title, "") == ("rlhf",)


def test_subtopic_brings_its_parent_in_file_order(tmp_path: Path) -> None:
    rules = matcher(tmp_path, RULES)
    assert rules.match("Lip sync for agents", "") == ("agents", "talking-heads", "video")


def test_matching_without_topics_finds_nothing() -> None:
    assert TopicMatcher([]).match("Reinforcement learning", "RL RL RL") == ()


def test_topic_changes_add_remove_and_fall_back_to_unsorted() -> None:
    assert apply_topic_changes(("rl", "video"), ("agents", "rl"), ("video",)) == ("rl", "agents")
    assert apply_topic_changes((), ("agents",), ()) == ("agents",)
    assert apply_topic_changes(("rl",), (), ("rl",)) == ("unsorted",)
    assert apply_topic_changes((), (), ()) == ("unsorted",)
    assert apply_topic_changes(("unsorted",), ("rl",), ()) == ("rl",)


# The sample reading list

Sample = tuple[TopicMatcher, list[tuple[str, str, tuple[str, ...]]]]
"""The sample's matcher, and (title, abstract, topics) for each of its 172 entries."""


@pytest.fixture(scope="module")
def sample() -> Sample:
    topics, problems = load_topics(REPO / "content" / "topics.yaml", "content/topics.yaml")
    assert problems == []
    rules = TopicMatcher(topics)
    entries, seed_problems = read_seeds(REPO / "seeds", REPO)
    assert seed_problems == []
    assert len(entries) == 172
    return rules, [
        (e.title or "", e.abstract, rules.match(e.title or "", e.abstract)) for e in entries
    ]


def topics_of(sample: Sample, start: str) -> tuple[str, ...]:
    found = [t for title, abstract, t in sample[1] if (title or abstract).startswith(start)]
    assert found, start
    return found[0]


def test_sample_topics_file_is_clean() -> None:
    topics, problems = load_topics(REPO / "content" / "topics.yaml", "content/topics.yaml")
    assert problems == []
    assert len(topics) >= 15
    assert all(t.description for t in topics)
    assert sum(1 for t in topics if t.parent) >= 3


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("From professional filmmaking", "video-generation"),  # Mirage, untitled abstract
        ("TÜLU 3", "alignment"),
        ("Motion Consistency Model", "video-generation"),
        ("Prompt Switch: Efficient CLIP Adaptation", "video-understanding"),
        ("Prompt Switch: Efficient CLIP Adaptation", "video-language"),
        ("EDTalk", "talking-heads"),
        ("DPO Meets PPO", "alignment"),
        ("ReAct: Synergizing Reasoning and Acting", "llm-agents"),
        ("Offline RL with Observation Histories", "offline-rl"),
        ("Offline RL with Observation Histories", "reinforcement-learning"),
        ("Objective Mismatch in Model-based", "model-based-rl"),
        ("Go-Explore", "exploration"),
        ("Multi-Stage Cable Routing", "robotics"),
        ("Multi-Stage Cable Routing", "imitation-learning"),
        ("Large Language Models Are Human-Level Prompt Engineers", "prompting"),
        ("Reverse Thinking Makes LLMs Stronger Reasoners", "reasoning"),
        ("Two-Stage Constrained Actor-Critic for Short Video Recommendation", "recommendation"),
        ("SLCA: Slow Learner", "continual-learning"),
        ("TempCompass", "benchmarks"),
    ],
)
def test_sample_papers_land_in_fitting_topics(sample: Sample, start: str, expected: str) -> None:
    assert expected in topics_of(sample, start)


@pytest.mark.parametrize(
    ("start", "wrong"),
    [
        # "Classifier Alignment" is not LLM alignment.
        ("SLCA: Slow Learner", "alignment"),
        # A generative model *for understanding* video does not generate video.
        ("OmniVid", "video-generation"),
        # "limited exploration of global audio perception" is not RL exploration.
        ("Sonic: Shifting Focus", "exploration"),
    ],
)
def test_sample_papers_stay_out_of_topics_they_only_mention(
    sample: Sample, start: str, wrong: str
) -> None:
    assert wrong not in topics_of(sample, start)


def test_tulu_title_with_raw_latex_still_matches(sample: Sample) -> None:
    rules = sample[0]
    assert "alignment" in rules.match(
        'T\\"ULU 3: Pushing Frontiers in Open Language Model Post-Training', ""
    )


def test_fewer_than_a_tenth_of_the_sample_is_unsorted(sample: Sample) -> None:
    unsorted = [title or abstract[:60] for title, abstract, topics in sample[1] if not topics]
    assert len(unsorted) < 172 // 10, unsorted
