"""Write a synthetic N-paper sitegen project for benchmarks.

    python benchmarks/make_corpus.py 10000 /tmp/corpus-10k [--seed 1]

The project has daily-papers seed files (header, date line, title/abstract line
pairs, 500 papers a file), about 1% of papers repeated in a later file (so
dedupe has work), a few percent of abstracts with LaTeX remnants (so cleaning
has work), annotations for ~5% of papers, a ``topics.yaml`` and a
``sitegen.yaml``. Titles and abstracts are built from per-topic vocabularies
plus a long tail of rare terms, with real-looking lengths (titles ~80
characters, abstracts ~1,300), so topic assignment and TF-IDF related papers
behave as on real listings. The same N and seed always give the same bytes.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PAPERS_PER_FILE = 500
ANNOTATED_SHARE = 0.05
DUPLICATE_SHARE = 0.01
LATEX_SHARE = 0.04
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"
    "byAK and the research community\n\n"
)


@dataclass(frozen=True)
class TopicSpec:
    """A synthetic research area: its keywords (used by topics.yaml) and its words."""

    slug: str
    name: str
    keywords: tuple[str, ...]
    words: Sequence[str]
    parent: str | None = None


TOPICS = (
    TopicSpec(
        "video-generation",
        "Video generation",
        ("video generation", "text-to-video", "video diffusion"),
        "video frames temporal motion clip camera trajectory frame rate diffusion denoising "
        "latent consistency flicker keyframe interpolation storyboard cinematic".split(),
    ),
    TopicSpec(
        "talking-heads",
        "Talking heads",
        ("talking head", "lip sync", "portrait animation"),
        "face portrait lip speech audio expression head pose identity mouth blink avatar "
        "dubbing landmark".split(),
        parent="video-generation",
    ),
    TopicSpec(
        "image-generation",
        "Image generation",
        ("image generation", "text-to-image", "image editing"),
        "image pixel prompt style inpainting resolution guidance sampler aesthetic "
        "composition editing fidelity".split(),
    ),
    TopicSpec(
        "rlhf",
        "RLHF and preference learning",
        ("rlhf", "preference optimization", "reward model"),
        "preference reward annotator chosen rejected policy alignment feedback ppo dpo "
        "pairwise helpfulness harmlessness overoptimization".split(),
    ),
    TopicSpec(
        "reinforcement-learning",
        "Reinforcement learning",
        ("reinforcement learning", "policy gradient", "offline rl"),
        "agent environment reward return value critic actor exploration episode "
        "trajectory horizon bellman q-function".split(),
    ),
    TopicSpec(
        "robotics",
        "Robotics",
        ("robot manipulation", "embodied agent", "robot learning"),
        "robot gripper grasp manipulation arm sim-to-real teleoperation dexterous "
        "locomotion tactile embodiment actuator".split(),
    ),
    TopicSpec(
        "llm-agents",
        "LLM agents",
        ("llm agent", "tool use", "web agent"),
        "agent tool planning browser api task memory reflection workflow multi-agent "
        "environment action".split(),
    ),
    TopicSpec(
        "reasoning",
        "Reasoning",
        ("chain-of-thought", "mathematical reasoning", "reasoning"),
        "reasoning math proof step chain thought verifier solution problem arithmetic "
        "logic deduction".split(),
    ),
    TopicSpec(
        "code",
        "Code generation",
        ("code generation", "program synthesis", "code llm"),
        "code program function repository bug test compiler snippet software patch "
        "execution unit-test".split(),
    ),
    TopicSpec(
        "retrieval",
        "Retrieval-augmented generation",
        ("retrieval-augmented", "dense retrieval", "rag"),
        "retrieval retriever document passage corpus index query reranker citation "
        "knowledge grounding search".split(),
    ),
    TopicSpec(
        "multimodal",
        "Vision-language models",
        ("vision-language", "multimodal model", "visual question answering"),
        "visual image caption vqa grounding region encoder projector instruction "
        "multimodal chart ocr".split(),
    ),
    TopicSpec(
        "speech",
        "Speech and audio",
        ("speech recognition", "text-to-speech", "audio generation"),
        "speech audio speaker waveform acoustic phoneme vocoder prosody transcription "
        "asr tts codec".split(),
    ),
    TopicSpec(
        "efficiency",
        "Efficient inference",
        ("quantization", "speculative decoding", "efficient inference"),
        "latency throughput memory quantization pruning sparsity kernel cache decoding "
        "speculative distillation bit".split(),
    ),
    TopicSpec(
        "long-context",
        "Long context",
        ("long context", "context window", "long-context"),
        "context window token length position extrapolation attention sequence "
        "needle retrieval memory rope".split(),
    ),
    TopicSpec(
        "safety",
        "Safety and jailbreaks",
        ("jailbreak", "red teaming", "ai safety"),
        "attack jailbreak harmful refusal adversarial red-team safety guardrail misuse "
        "toxicity defense".split(),
    ),
    TopicSpec(
        "benchmarks",
        "Benchmarks and evaluation",
        ("benchmark", "evaluation suite", "leaderboard"),
        "benchmark evaluation metric leaderboard judge contamination annotation split "
        "human-evaluation protocol score".split(),
    ),
    TopicSpec(
        "3d",
        "3D and scenes",
        ("3d reconstruction", "gaussian splatting", "neural radiance field"),
        "3d mesh geometry scene view radiance splatting depth point-cloud novel-view "
        "reconstruction camera".split(),
    ),
    TopicSpec(
        "world-models",
        "World models",
        ("world model", "video prediction", "model-based"),
        "world dynamics prediction simulator imagination latent rollout planning "
        "physics future observation".split(),
    ),
    TopicSpec(
        "pretraining",
        "Pretraining and data",
        ("pretraining", "data curation", "scaling law"),
        "pretraining corpus data mixture scaling tokens compute filtering deduplication "
        "web crawl quality".split(),
    ),
    TopicSpec(
        "interpretability",
        "Interpretability",
        ("interpretability", "sparse autoencoder", "mechanistic"),
        "feature neuron circuit probe activation autoencoder attribution steering "
        "representation superposition".split(),
    ),
)

GENERIC_ADJECTIVES = (
    "large efficient robust scalable simple effective strong competitive novel general "
    "lightweight open-source pretrained multilingual modular end-to-end"
).split()
GENERIC_NOUNS = (
    "model method approach framework architecture transformer objective pipeline system "
    "baseline recipe encoder decoder dataset benchmark representation"
).split()
GENERIC = GENERIC_ADJECTIVES + GENERIC_NOUNS

SENTENCES = (
    "{Intro} {t1} remains a central challenge for {g1} {g2} systems.",
    "Existing {g1} methods for {k} struggle with {t1} and {t2} at scale.",
    "In this work, we introduce {Name}, a {g1} {g2} for {k} that couples {t1} with {t2}.",
    "{Name} learns {t1} representations from {r1} data and transfers them to {t2}.",
    "Our key insight is that {t1} and {t2} can be modelled jointly with a {g1} {g2}.",
    "We evaluate on {r1}, {r2} and {r3}, where {Name} improves {t1} by {n}% over {g1} baselines.",
    "Experiments show that {t1} {t2} scales with {g1} {g2} and {t3}.",
    "We further analyse how {t1} affects {t2}, and find that {r1} is the main source of errors.",
    "Ablations confirm the role of the {t1} module and the {t2} objective.",
    "Compared with {r1}, our approach needs {n}x less {t1} while matching {t2} quality.",
    "We release code, {t1} checkpoints and the {r1} benchmark to support {k} research.",
    "A study with {n} participants shows that {t1} outputs are preferred over {r1}.",
    "This reduces {t1} {t2} and makes {k} practical on {g1} hardware.",
)
INTROS = ("Learning", "Scaling", "Modelling", "Controlling", "Evaluating", "Understanding")
TITLE_SHAPES = (
    "{Name}: {Adj} {T1} {T2} for {K}",
    "{Name}: Towards {Adj} {K} with {T1} {T2}",
    "{Adj} {K} via {T1} {T2}",
    "{Name}: Scaling {T1} {T2} for {K}",
    "On the Role of {T1} in {K}",
    "{T1}-Aware {K} with {Name}",
    "{Name}: A {Adj} Benchmark for {T1} in {K}",
    "Rethinking {T1} {T2} for {Adj} {K}",
)
ADJECTIVES = (
    "Efficient", "Scalable", "Robust", "Unified", "Controllable", "Generalizable",
    "Self-Supervised", "Zero-Shot", "Hierarchical", "Adaptive", "Interpretable", "Fast",
)  # fmt: skip
LATEX_BITS = (
    r"an error of $\epsilon = 10^{-3}$",
    r"a {\em simple} trick",
    r"up to 10\% faster",
    r"the $\mathcal{O}(n \log n)$ cost",
    r"T\"ULU-style mixtures",
    r"a ratio of ~3",
    r"the $Q^*$ value",
)
SYLLABLES = "ka lo mi ra ze tu vi no sa re xo li qua fen dor ith mar bel cor gan".split()
STATUSES = ("read", "read", "skimmed", "queued", "reading", "dropped")
TAGS = "must-read baseline survey dataset open-weights theory negative-result follow-up".split()


def _rare_terms(rng: random.Random, count: int) -> list[str]:
    """Made-up dataset and method names: the long tail real abstracts have."""
    terms: set[str] = set()
    while len(terms) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        terms.add(word.capitalize() + rng.choice(("", "", "-1K", "Bench", "Net", "QA", "-2")))
    return sorted(terms)


def _name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
        name += rng.choice(("", "", "", "-2", "-XL", "GPT", "Net", "LM", "-Zero", "++"))
        if name not in used:
            used.add(name)
            return name


@dataclass(frozen=True)
class SyntheticPaper:
    title: str
    abstract: str
    topic: TopicSpec


def make_paper(
    rng: random.Random, used: set[str], titles: set[str], rare: list[str]
) -> SyntheticPaper:
    """One paper: mostly its main topic's words, some of a second topic's, generic filler."""
    topic = rng.choice(TOPICS)
    other = rng.choice(TOPICS)
    name = _name(rng, used)

    def term() -> str:
        source = topic.words if rng.random() < 0.75 else other.words
        return rng.choice(source)

    def fill(template: str) -> str:
        return template.format(
            Intro=rng.choice(INTROS),
            Name=name,
            k=rng.choice(topic.keywords),
            t1=term(),
            t2=term(),
            t3=term(),
            g1=rng.choice(GENERIC_ADJECTIVES),
            g2=rng.choice(GENERIC_NOUNS),
            r1=rng.choice(rare),
            r2=rng.choice(rare),
            r3=rng.choice(rare),
            n=rng.randint(2, 60),
        )

    while True:
        title = rng.choice(TITLE_SHAPES).format(
            Name=name,
            Adj=rng.choice(ADJECTIVES),
            T1=term().title(),
            T2=term().title(),
            K=rng.choice(topic.keywords).title(),
        )
        # Equal titles would be merged as duplicates: keep every paper distinct.
        normal = " ".join(re.findall(r"[a-z0-9]+", title.lower()))
        if normal not in titles:
            titles.add(normal)
            break
    sentences = [fill(SENTENCES[0]), fill(SENTENCES[1]), fill(SENTENCES[2])]
    sentences += [fill(rng.choice(SENTENCES[3:])) for _ in range(rng.randint(6, 12))]
    abstract = " ".join(sentences)
    if rng.random() < LATEX_SHARE:
        abstract += f" The method reaches {rng.choice(LATEX_BITS)} on {rng.choice(rare)}."
    return SyntheticPaper(title, abstract, topic)


def topics_yaml() -> str:
    lines = ["# Topics of the synthetic benchmark corpus.", ""]
    for topic in TOPICS:
        lines += [f"- slug: {topic.slug}", f"  name: {topic.name}"]
        if topic.parent:
            lines.append(f"  parent: {topic.parent}")
        lines.append(f"  description: Papers on {topic.name.lower()}.")
        lines.append("  keywords:")
        lines += [f"    - {keyword}" for keyword in topic.keywords]
        lines.append("")
    return "\n".join(lines)


def annotation_yaml(rng: random.Random, key: str, paper: SyntheticPaper, keys: list[str]) -> str:
    status = rng.choice(STATUSES)
    lines = [f"{key}:", f"  status: {status}"]
    if status != "queued" and rng.random() < 0.7:
        lines.append(f"  rating: {rng.randint(1, 5)}")
    lines.append(f"  tags: [{', '.join(rng.sample(TAGS, rng.randint(1, 3)))}]")
    lines.append(f"  summary: A {rng.choice(GENERIC)} take on {rng.choice(paper.topic.keywords)}.")
    if rng.random() < 0.6:
        words = [rng.choice([*paper.topic.words, *GENERIC]) for _ in range(40)]
        lines += [
            "  notes: |",
            f"    Worth comparing: *{' '.join(words[:8])}*.",
            f"    {' '.join(words[8:])}.",
        ]
    if status in ("read", "skimmed"):
        lines.append(f"  read_on: 2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
    if rng.random() < 0.3:
        lines.append(f"  related: [{rng.choice(keys)}]")
    return "\n".join(lines) + "\n"


def make_corpus(count: int, out: Path, seed: int = 1) -> list[str]:
    """Write the project; return the paper keys in source order."""
    # sitegen's own key rule, so annotations name real keys.
    from sitegen.catalog.keys import assign_keys

    rng = random.Random(seed)
    rare = _rare_terms(rng, max(200, count // 4))
    used: set[str] = set()
    titles: set[str] = set()
    papers = [make_paper(rng, used, titles, rare) for _ in range(count)]
    keys = assign_keys(paper.title for paper in papers)

    (out / "seeds").mkdir(parents=True, exist_ok=True)
    (out / "content" / "annotations").mkdir(parents=True, exist_ok=True)
    duplicates = rng.sample(range(count), int(count * DUPLICATE_SHARE))
    files: list[list[SyntheticPaper]] = [
        papers[i : i + PAPERS_PER_FILE] for i in range(0, count, PAPERS_PER_FILE)
    ]
    for index in duplicates:
        # A repeat lands in a later file, the way daily listings repeat trending papers.
        files[min(len(files) - 1, index // PAPERS_PER_FILE + 1)].append(papers[index])
    for number, group in enumerate(files):
        month = MONTHS[number // 28 % 12]
        day = number % 28 + 1
        body = "".join(f"{p.title}\n\n{p.abstract}\n\n" for p in group)
        path = out / "seeds" / f"daily_{number:04d}.txt"
        path.write_text(f"{HEADER}{month} {day}\n\n{body}", encoding="utf-8")

    annotated = sorted(rng.sample(range(count), max(1, int(count * ANNOTATED_SHARE))))
    per_file = 200
    for start in range(0, len(annotated), per_file):
        chunk = annotated[start : start + per_file]
        text = "".join(annotation_yaml(rng, keys[i], papers[i], keys) + "\n" for i in chunk)
        name = f"bench_{start // per_file:03d}.yaml"
        (out / "content" / "annotations" / name).write_text(text, encoding="utf-8")
    (out / "content" / "topics.yaml").write_text(topics_yaml(), encoding="utf-8")
    (out / "sitegen.yaml").write_text(
        f"title: Benchmark reading list ({count} papers)\n"
        "description: A synthetic reading list for sitegen's benchmarks.\n"
        "author: sitegen benchmarks\n"
        "base_url: /\n",
        encoding="utf-8",
    )
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int, help="number of distinct papers")
    parser.add_argument("out", type=Path, help="project folder to write")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        print(f"error: {args.out} is not empty", file=sys.stderr)
        return 2
    make_corpus(args.count, args.out, args.seed)
    print(f"wrote a {args.count}-paper project to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
