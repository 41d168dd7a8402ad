"""Rule-based concept candidates: typed noun phrases, new names, the paper's own method.

Each rule is a small function from a ``Doc`` to typed spans; the component runs them and stores
the spans in ``doc.spans["kg_rules"]`` (label = concept type, ``id_`` = the rule's name), for the
mention resolver to weigh against gazetteer and NER candidates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from kg.lexicon import Lexicon, load_lexicon
from kg.text import is_acronym

SPANS_KEY = "kg_rules"

# Words that qualify a phrase without being part of the concept's name.
LEADING_NOISE = frozenset(
    """a an the this that these those our their its his her my your we they it such each every
    any some all both either neither other another novel new proposed existing standard typical
    popular various different diverse multiple several many few recent current traditional
    conventional classical simple efficient effective powerful robust strong modern prior previous
    specific general generic particular respective same corresponding resulting given certain
    original vanilla widely commonly frequently so-called well-known known state-of-the-art sota
    first second third key main additional further extensive comprehensive large-scale better best
    improved high-quality advanced promising challenging important crucial fundamental""".split()
)
# Verbs introducing the paper's own contribution ("we propose X").
PROPOSE_VERBS = frozenset({"propose", "introduce", "present", "develop", "design", "devise", "name", "call", "dub"})
# letters, digits, "+", "-" and version dots ("v1.5"), but not "FPS.The" (a missing space)
_NAME_SHAPE = re.compile(r"^(?=.*[A-Z].*[A-Za-z0-9])[A-Za-z0-9](?:[\w+\-²³]|\.(?=\d))*$")


def _glued_to_next(doc: Doc, i: int) -> bool:
    """Token ``i`` starts a hyphenated word: "Zero" in "Zero-Shot", "two" in "two-stage"."""
    return i + 1 < len(doc) and not doc[i].whitespace_ and doc[i + 1].text == "-"


def clean_span(span: Span) -> Span | None:
    """Trim determiners, pronouns, numbers and qualifying adjectives off the edges of a phrase."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and not _glued_to_next(doc, start) and (
        doc[start].lower_ in LEADING_NOISE
        or doc[start].pos_ in ("DET", "PRON", "PUNCT", "NUM", "CCONJ", "ADP", "PART")
        or doc[start].is_digit
    ):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].pos_ in ("PART", "DET", "CCONJ", "ADP")):
        if doc[end - 1].text in ("+", "++"):
            break
        end -= 1
    if start >= end:
        return None
    return doc[start:end]


def looks_like_name(token: Token) -> bool:
    """A coined name: mixed case with an inner capital ("RedDino", "DINOv2", "SimCLR"), letters
    with digits ("GPT-4"), or a trailing "+" ("DefSent+"). All-capital acronyms are left to the
    acronym definitions and the gazetteer: most of them ("ECG", "AI") name no concept."""
    text = token.text
    if len(text) < 2 or not _NAME_SHAPE.match(text):
        return False
    letters = [ch for ch in text if ch.isalpha()]
    mixed = any(ch.isupper() for ch in text[1:]) and any(ch.islower() for ch in letters)
    has_digit = any(ch.isdigit() for ch in text) and len(letters) >= 2
    plural_acronym = len(letters) >= 3 and text.endswith("s") and text[:-1].isupper()
    return (mixed and not plural_acronym) or has_digit or text.endswith("+")


#: nouns that make a newly named thing a dataset: "BIRB: A Generalization Benchmark for ..."
DATASET_NOUNS = frozenset({"dataset", "benchmark", "corpus", "suite", "testbed", "treebank"})


def introduced_type(span: Span, window: Span) -> str:
    """"dataset" when a new name is announced as a dataset or benchmark, else "method".

    The announcement is the name's own last word ("SUGARCREPE++ Dataset"), a "-Bench" suffix
    ("AxBench"), or the first noun phrase of ``window``, the words that follow the name.
    """
    last = span[-1].text
    if last.lower() in DATASET_NOUNS or (len(last) > 5 and last.lower().endswith("bench")):
        return "dataset"
    for token in window:
        if token.pos_ in ("VERB", "AUX") or token.text in (".", ";", ",") or token.lower_ in ("for", "of", "to", "that"):
            break
        if token.lemma_.lower() in DATASET_NOUNS:
            return "dataset"
    return "method"


def strip_dataset_noun(span: Span) -> Span:
    """"SUGARCREPE++ Dataset" -> "SUGARCREPE++" (the name, without the word that types it)."""
    if len(span) > 1 and span[-1].lower_ in DATASET_NOUNS:
        return span[:-1]
    return span


def title_name(doc: Doc) -> Span | None:
    """The name before the colon of the title ("FSFM: A Generalizable ..." -> "FSFM")."""
    first_sentence = next(doc.sents, None)
    if first_sentence is None:
        return None
    colon = next((t.i for t in first_sentence if t.text == ":"), None)
    if colon is None or colon == first_sentence.start or colon - first_sentence.start > 5:
        return None
    span = doc[first_sentence.start : colon]
    if len(span) > 3:
        return None
    # "CASAL:", "DefSent+:", "Zecoler:" name a method; "The Geometry of Concepts:" does not
    if any(looks_like_name(t) or is_acronym(t.text) for t in span):
        return span
    if len(span) == 1 and span[0].text[:1].isupper() and span[0].is_alpha:
        return span
    return None


def proposed_names(doc: Doc) -> Iterator[Span]:
    """Coined names right after "we propose / introduce / present ..." (and "called X")."""
    for token in doc:
        if token.lemma_.lower() not in PROPOSE_VERBS:
            continue
        window = doc[token.i + 1 : min(token.i + 12, len(doc))]
        for candidate in window:
            if candidate.text in (".", ";"):
                break
            if looks_like_name(candidate) or (is_acronym(candidate.text) and candidate.i > token.i + 1):
                yield doc[candidate.i : candidate.i + 1]
                break


def _typed(span: Span, window: Span, rule: str) -> Span:
    concept_type = introduced_type(span, window)
    if concept_type == "dataset":
        span = strip_dataset_noun(span)
    return Span(span.doc, span.start, span.end, label=concept_type, span_id=rule)


def head_typed_chunks(doc: Doc, lexicon: Lexicon) -> Iterator[Span]:
    """Noun phrases whose head word types them ("... autoencoder" -> method, "... detection" -> task)."""
    for chunk in doc.noun_chunks:
        head = chunk[-1]
        concept_type = lexicon.heads.get(head.lower_) or lexicon.heads.get(head.lemma_.lower())
        if not concept_type:
            continue
        span = clean_span(chunk)
        if span is None or len(span) < 2 and span[0].lower_ in lexicon.heads:
            continue  # a bare head word ("detection", "loss") is not a concept
        yield Span(doc, span.start, span.end, label=concept_type, span_id="head")


def named_tokens(doc: Doc) -> Iterator[Span]:
    """Coined names anywhere in the text ("OthelloGPT", "DINOv2", "CASAL" when defined)."""
    for token in doc:
        if looks_like_name(token) and not token.like_url and not token.like_num:
            yield doc[token.i : token.i + 1]


@Language.factory("kg_patterns", default_config={"lexicon_dir": None, "spans_key": SPANS_KEY})
class ConceptPatterns:
    """Rule candidates in ``doc.spans[spans_key]``; ``id_`` names the rule that found each."""

    def __init__(self, nlp: Language, name: str, lexicon_dir: str | None, spans_key: str) -> None:
        self.lexicon = load_lexicon(lexicon_dir)
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        title = title_name(doc)
        if title is not None:
            # skip the colon: the words after it describe the named thing
            spans.append(_typed(title, doc[title.end + 1 : title.end + 8], "title"))
        for span in proposed_names(doc):
            spans.append(_typed(span, doc[span.end : span.end + 3], "proposed"))
        spans.extend(head_typed_chunks(doc, self.lexicon))
        for span in named_tokens(doc):
            spans.append(Span(doc, span.start, span.end, label="method", span_id="name"))
        doc.spans[self.spans_key] = spans
        return doc
