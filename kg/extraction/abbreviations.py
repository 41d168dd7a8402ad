"""Acronym definitions: "Joint-Embedding Predictive Architecture (JEPA)" -> (long form, JEPA).

Implements the algorithm of Schwartz & Hearst, "A simple algorithm for identifying abbreviation
definitions in biomedical text" (PSB 2003). A short form is a parenthesised word; its long form is
found among the few words before the parenthesis by matching the short form's characters from
right to left, the first character having to start a word. The reverse pattern "SF (long form)"
is tried when the parenthesis holds several words.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

_CLOSING = {"(": ")", "[": "]"}
#: parts of speech that never end a long form
_NEVER_LAST = frozenset({"DET", "ADP", "CCONJ", "SCONJ", "PRON", "PART", "AUX"})


@dataclass(frozen=True)
class Abbreviation:
    long_form: Span
    short_form: Span


def short_form_filter(text: str) -> bool:
    """Plausible short form: 2-10 characters, one or two words, a letter, an alphanumeric start."""
    if not 2 <= len(text) <= 10 or len(text.split()) > 2:
        return False
    if not any(ch.isalpha() for ch in text) or not text[0].isalnum():
        return False
    # a lowercase plain word in brackets is an aside, not a short form ("(e.g.", "(ours)")
    return any(ch.isupper() for ch in text)


def match_long_form(short: str, long_words: list[str]) -> int | None:
    """Index of the first word of the long form of ``short`` in ``long_words``, or None.

    Characters of the short form are matched right to left; the short form's first character
    must start a word of the long form.
    """
    chars = [ch.lower() for ch in short if ch.isalnum()]
    if not chars:
        return None
    text = " ".join(long_words).lower()
    s_idx = len(chars) - 1
    l_idx = len(text) - 1
    while s_idx >= 0:
        ch = chars[s_idx]
        # the first short-form character must sit at a word start
        while l_idx >= 0 and (
            text[l_idx] != ch or (s_idx == 0 and l_idx > 0 and text[l_idx - 1].isalnum())
        ):
            l_idx -= 1
        if l_idx < 0:
            return None
        l_idx -= 1
        s_idx -= 1
    start_char = l_idx + 1
    # convert the character offset to a word index
    offset = 0
    for i, word in enumerate(long_words):
        if offset <= start_char < offset + len(word) + 1:
            return i
        offset += len(word) + 1
    return None


def find_abbreviations(doc: Doc) -> list[Abbreviation]:
    """All acronym definitions in ``doc``, in text order."""
    found: list[Abbreviation] = []
    i = 0
    while i < len(doc):
        tok = doc[i]
        if tok.text in _CLOSING:
            close = _CLOSING[tok.text]
            end = next((j for j in range(i + 1, min(i + 12, len(doc))) if doc[j].text == close), None)
            if end is not None and end > i + 1:
                inner = doc[i + 1 : end]
                abbreviation = _define(doc, i, inner)
                if abbreviation:
                    found.append(abbreviation)
                i = end
        i += 1
    return found


def _window_start(doc: Doc, open_index: int, window: int) -> int:
    """The first of the ``window`` tokens before ``open_index`` that is in its sentence. Found
    by looking back over the window only: ``Token.sent`` walks the whole sentence, and one
    sentence of thousands of definitions made that quadratic."""
    lowest = max(0, open_index - window)
    if doc.has_annotation("SENT_START"):
        for index in range(open_index, lowest, -1):
            if doc[index].is_sent_start:
                return index
    return lowest


def _define(doc: Doc, open_index: int, inner: Span) -> Abbreviation | None:
    inner_text = inner.text
    # drop trailing material after ";" or "," inside the brackets: "(SAE; Bricken et al.)"
    for sep in (";", ","):
        cut = next((t.i for t in inner if t.text == sep), None)
        if cut is not None:
            inner = doc[inner.start : cut]
            inner_text = inner.text
    if not inner_text:
        return None
    if short_form_filter(inner_text):
        n_chars = len([c for c in inner_text if c.isalnum()])
        window = min(n_chars + 5, n_chars * 2)
        start = _window_start(doc, open_index, window)
        words = [t.text for t in doc[start:open_index]]
        # stop at a clause boundary: the long form never spans another bracket or a colon
        for k in range(len(words) - 1, -1, -1):
            if words[k] in ("(", ")", ":", ";", "[", "]"):
                words = words[k + 1 :]
                start = start + k + 1
                break
        first = match_long_form(inner_text, words)
        if first is None:
            return None
        # a hyphenated first word belongs whole to the long form: "Semi-supervised ... (SHDA)"
        while first >= 2 and words[first - 1] == "-":
            first -= 2
        long_span = doc[start + first : open_index]
        if len(long_span) == 0 or long_span.text.lower() == inner_text.lower():
            return None
        if long_span[-1].pos_ in _NEVER_LAST:
            # "the contextualized embeddings of both [CLS] and ordinary tokens": a name never
            # ends in "both", "of" or "the"; what the brackets hold is named, not defined
            return None
        # "SSE in both pure linear and hybrid (SSE-H)" spells out a variant of SSE, not SSE-H
        parts = {part for part in inner_text.replace("/", "-").split("-") if len(part) > 1 and part.isupper()}
        if any(token.text in parts for token in long_span):
            return None
        return Abbreviation(long_form=long_span, short_form=inner)
    # reverse pattern: "SAE (sparse autoencoder)"
    if open_index > 0 and 1 < len(inner) <= 6:
        candidate = doc[open_index - 1]
        if short_form_filter(candidate.text) and candidate.text.upper() == candidate.text:
            first = match_long_form(candidate.text, [t.text for t in inner])
            if first == 0:
                return Abbreviation(long_form=inner, short_form=doc[open_index - 1 : open_index])
    return None


@Language.factory("kg_abbreviations")
class AbbreviationDetector:
    """Sets ``doc._.abbreviations``: a list of :class:`Abbreviation` (long form, short form)."""

    def __init__(self, nlp: Language, name: str) -> None:
        if not Doc.has_extension("abbreviations"):
            Doc.set_extension("abbreviations", default=None)

    def __call__(self, doc: Doc) -> Doc:
        doc._.abbreviations = find_abbreviations(doc)
        return doc
