"""Titles for untitled abstracts, inferred from what the abstract says it contributes.

In order of preference:

1. the name the abstract gives its contribution, with what it is:
   ``We introduce Mirage, an audio-to-video foundation model ...`` →
   ``Mirage: an audio-to-video foundation model``; ``an architecture we term
   Transframer`` with ``We present a general-purpose framework for ...`` →
   ``Transframer: a general-purpose framework for ...``; ``a new benchmark, called
   CompWoB -- 50 new ... tasks`` → ``CompWoB: 50 new ... tasks``; ``we propose a novel
   objective, Representation Learning via Invariant Causal Mechanisms (ReLIC), that
   ...`` → ``ReLIC: Representation Learning via Invariant Causal Mechanisms``;
2. the sentence that states the contribution, rather than the background sentences
   abstracts open with: ``We propose a framework for classifying ...`` → ``A
   framework for classifying ...``, ``In this paper, we investigate transfer learning
   ...`` → ``Investigating transfer learning ...``, ``we show that X`` → ``X``;
3. the head of the first sentence.

Titles are cut to about ten words (``…`` marks a cut).
"""

from __future__ import annotations

import re

# A sentence ends after a lower-case word, a number, a bracket or an acronym (``ICL.``),
# even without a space after it (``audiovisual space.Our key contribution``).
_SENTENCE_END = re.compile(r"(?:(?<=[a-z0-9)\]])|(?<=[A-Z]{2}))[.!?](?=\s*[A-Z(]|$)")
_WORD = re.compile(r"\S+")

_WE = r"(?:[Ww]e|[Tt]his (?:paper|work)|[Hh]ere,? we)"
_ADVERB = r"(?:(?:also|further|first|then|explicitly|here|now|therefore|thus)\s+)?"
_NAME = r"[A-Z][\w\-+.]*[A-Za-z0-9+]"

# "We introduce Mirage, an audio-to-video foundation model that ..."
# "we propose Contrastive BERT for RL (CoBERL), an agent that ..."
_NAMED_METHOD = re.compile(
    _WE + r"\s+"
    r"(?:introduce|propose|present|develop|release|call|dub|name)s?\s+"
    r"(?:a\s+(?:new|novel)\s+\w+(?:\s+\w+)?,?\s+(?:called|named|dubbed)\s+)?"
    # A name may end in a version number: "Tulu 3", "Llama 2".
    r"(?P<name>(?:[A-Z][\w\-+.]*[A-Za-z0-9+](?:\s+(?:for|of|to|in|and|[A-Z][\w\-+.]*))*?"
    r"(?:\s+\d[\w.]*)?)"
    r"(?:\s*\((?P<acronym>[A-Z][\w\-+.]*)\))?)"
    r"\s*(?:,|:|\s+--|\s+—)\s*"
    r"(?P<what>(?:a|an|the)\s+[^.;:]+)",
)
# "a new benchmark, called CompWoB -- 50 new compositional web automation tasks"
# "an architecture we term Transframer, which uses ..."
_CALLED = re.compile(
    r"(?P<kind>\b(?:a|an)\s+(?:[\w\-]+\s+){0,3}?[\w\-]+),?\s+"
    r"(?:(?:called|named|dubbed|termed)|(?:which\s+)?we\s+(?:term|call|name|dub))\s+"
    r"(?P<name>" + _NAME + r")"
    r"(?:\s*(?:,|--|—|:)\s*(?P<what>[^.;]+))?"
)
# "we propose a novel self-supervised objective, Representation Learning via Invariant
# Causal Mechanisms (ReLIC), that ...": the named thing is what the sentence contributes.
_EXPANDED = re.compile(
    r"^(?:(?:a|an|the)\s+(?:[\w\-]+\s+){0,4}?[\w\-]+,\s+)?(?P<long>[A-Z][\w\-]*(?:\s+(?:[A-Z][\w\-]*|for|of|via|with|in|on|and|to|by)){1,8})"
    r"\s+\((?P<acronym>[A-Z][A-Za-z0-9\-+]*[A-Z][A-Za-z0-9\-+]*)\)"
)
_CONTRIBUTION_SENTENCE = re.compile(
    r"(?:^|\b(?:[Ii]n this (?:paper|work)|[Hh]ere|[Tt]o [^,]+|[Ss]pecifically|[Ii]nstead),?\s+)"
    r"?" + _WE + r"\s+" + _ADVERB + r"(?P<verb>propose|present|introduce|develop|define|describe"
    r"|investigate|explore|study|analy[sz]e|measure|discuss|focus\s+on"
    r"|show\s+that|demonstrate\s+that|find\s+that|argue\s+that)s?\s+(?P<rest>.+)"
)
_STATED = frozenset({"propose", "present", "introduce", "develop", "define", "describe"})
_CLAUSE_BREAK = re.compile(r",|;|\s+(?:which|that|where|whose|to|by|with)\s+|\s+--\s+")
# Where the contributed thing ends: a comma, a dash, or "and" starting a second verb
# ("we introduce soft preference labels and improve DPO with ...").
_OBJECT_BREAK = re.compile(r",|;|\s+--\s+|\s+—\s+|\s+and\s+(?=[a-z]+\s+(?:(?:a|an|the)\b|[A-Z]))")
_DESCRIPTION_WORDS = 10
_HEAD_WORDS = 10
_DANGLING = frozenset(
    "a an the and or of to for with in on by from as at is are that which its their based using via".split()
)


def sentences(text: str) -> list[str]:
    """The abstract cut into sentences (all of it as one when no sentence end is found)."""
    found: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        found.append(text[start : match.start()].strip())
        start = match.end()
    found.append(text[start:].strip())
    return [sentence for sentence in found if sentence]


def first_sentence(text: str) -> str:
    """The abstract's first sentence (or all of it when no sentence end is found)."""
    found = sentences(text)
    return found[0] if found else ""


def infer_title(abstract: str) -> str:
    """A title for an untitled abstract: the contribution's name when the abstract gives it,
    else the sentence stating the contribution, else the head of the first sentence."""
    text = " ".join(abstract.split())
    title = _named(text) or _contribution(text)
    if title:
        return title
    head, cut = _words(first_sentence(text), _HEAD_WORDS)
    head = head.rstrip(",;: ")
    if not head:
        return "Untitled paper"
    return head + "…" if cut else head


def _named(text: str) -> str | None:
    """``Name: what it is``, when the abstract names what it contributes."""
    match = _NAMED_METHOD.search(text)
    if match:
        description = _describe(match["what"])
        if description:
            return f"{match['name'].strip()}: {description}"
    match = _CALLED.search(text)
    if match:
        what = match["what"]
        if what and not re.match(r"(?:which|that|where|who)\b", what):
            description = _describe(what)
        else:
            description = _stated_object(text) or _describe(match["kind"])
        return f"{match['name']}: {description}"
    for sentence in sentences(text):
        stated = _CONTRIBUTION_SENTENCE.search(sentence)
        if stated is None or stated["verb"] not in _STATED:
            continue
        expanded = _EXPANDED.search(stated["rest"])
        if expanded and _abbreviates(expanded["acronym"], expanded["long"]):
            return f"{expanded['acronym']}: {expanded['long']}"
    return None


def _abbreviates(acronym: str, long: str) -> bool:
    """Whether ``acronym``'s letters come, in order, from ``long``, starting with its first
    letter (ReLIC ← Representation Learning via Invariant Causal Mechanisms)."""
    letters = [ch for ch in acronym.casefold() if ch.isalnum()]
    words = long.casefold()
    if not letters or letters[0] != words[0]:
        return False
    position = 0
    for letter in letters:
        position = words.find(letter, position) + 1
        if position == 0:
            return False
    return True


def _contribution(text: str) -> str | None:
    """The head of the first sentence that states the contribution."""
    for sentence in sentences(text):
        match = _CONTRIBUTION_SENTENCE.search(sentence)
        if match is None:
            continue
        verb = match["verb"].split()[0]
        rest = _OBJECT_BREAK.split(match["rest"], maxsplit=1)[0]
        if verb not in _STATED and verb != "focus" and not match["verb"].endswith("that"):
            rest = _gerund(verb) + " " + rest
        head, cut = _words(rest, _HEAD_WORDS)
        head = head.rstrip(",;: ")
        if len(head.split()) >= 2:
            return head[0].upper() + head[1:] + ("…" if cut else "")
    return None


def _stated_object(text: str) -> str | None:
    """What the contribution sentence says is contributed (``a general-purpose framework
    for ...``), when it uses a verb such as propose or present."""
    for sentence in sentences(text):
        match = _CONTRIBUTION_SENTENCE.search(sentence)
        if match is not None and match["verb"] in _STATED:
            described = _describe(_OBJECT_BREAK.split(match["rest"], maxsplit=1)[0])
            if described and described.split()[0].lower() in {"a", "an"}:
                return described
    return None


def _gerund(verb: str) -> str:
    """``investigate`` → ``Investigating``."""
    stem = verb[:-1] if verb.endswith("e") else verb
    return stem.capitalize() + "ing"


def _words(text: str, limit: int) -> tuple[str, bool]:
    """The first ``limit`` words, without dangling function words at the cut."""
    words = _WORD.findall(text)
    head = words[:limit]
    cut = len(words) > limit
    while cut and len(head) > 1 and head[-1].lower().strip(",;:") in _DANGLING:
        head.pop()
    return " ".join(head), cut


def _describe(what: str) -> str:
    """The appositive after a method name, cut at its first clause break if long enough."""
    what = what.strip()
    for match in _CLAUSE_BREAK.finditer(what):
        head = what[: match.start()].strip()
        if len(head.split()) >= 3:
            what = head
            break
    phrase, _ = _words(what, _DESCRIPTION_WORDS)
    return phrase.rstrip(",;: ")
