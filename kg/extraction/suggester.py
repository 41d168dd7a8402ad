"""Which spans the concept tagger scores: word n-grams that could be a concept's name.

A span categoriser scores every candidate span it is given, so the candidates are most of its
cost. Every n-gram up to eight words is about 2,000 spans per abstract; a concept's name neither
starts nor ends with punctuation or a lower-case function word ("of the", "and a") and does not
run across a clause break, which rules out most of them (``benchmarks/extraction.md`` gives the
share of annotated names kept). The test uses only the tokenizer's lexical attributes, so it
works the same in training (tokenizer only) and in kg's pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spacy.tokens import Doc, Token
from spacy.util import registry
from thinc.api import Ops, get_current_ops
from thinc.types import Ragged

from kg.extraction.tokens import ABBREVIATIONS

#: tokens no concept name runs across (an abbreviation kept whole, "avg.", is no part of a name)
BREAKS = frozenset({".", ";", ":", "!", "?", ",", "(", ")", "[", "]", "{", "}", '"', "–", "—", *ABBREVIATIONS})


def can_edge(token: Token) -> bool:
    """May this token start or end a concept's name? Not punctuation, and not a lower-case
    function word unless a hyphen glues it into a word ("one-hot", "out-of-distribution")."""
    if token.is_punct or token.is_space or token.like_url:
        return False
    if not (token.is_stop and token.is_lower):
        return True
    doc, i = token.doc, token.i
    glued_after = i + 1 < len(doc) and doc[i + 1].text == "-" and not token.whitespace_
    glued_before = i > 0 and doc[i - 1].text == "-" and not doc[i - 1].whitespace_
    return glued_after or glued_before


def concept_spans(doc: Doc, max_length: int) -> list[tuple[int, int]]:
    """(start, end) of every span up to ``max_length`` tokens that could name a concept."""
    edge = [can_edge(t) for t in doc]
    stop = [t.text in BREAKS for t in doc]
    n = len(doc)
    spans = []
    for start in range(n):
        if not edge[start]:
            continue
        for last in range(start, min(start + max_length, n)):
            if stop[last]:
                break
            if edge[last]:
                spans.append((start, last + 1))
    return spans


@registry.misc("kg.concept_suggester.v1")
def build_concept_suggester(max_length: int = 8) -> Callable[[Iterable[Doc], Ops | None], Ragged]:
    """A spaCy span suggester (``[components.kg_tagger.suggester]``) of :func:`concept_spans`."""

    def suggest(docs: Iterable[Doc], *, ops: Ops | None = None) -> Ragged:
        ops = ops or get_current_ops()
        rows: list[tuple[int, int]] = []
        lengths = []
        for doc in docs:
            spans = concept_spans(doc, max_length)
            rows.extend(spans)
            lengths.append(len(spans))
        data = ops.asarray2i(rows) if rows else ops.xp.zeros((0, 2), dtype="i")
        return Ragged(data, ops.asarray1i(lengths))

    return suggest
