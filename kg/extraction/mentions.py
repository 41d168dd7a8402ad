"""Resolve candidate spans into one typed :class:`~kg.records.Mention` per concept per paper.

Candidates come from the learned concept tagger (``kg_tagger``, a span categoriser trained on
guideline annotations), the gazetteer, the rule patterns and acronym definitions. Overlapping
candidates are settled by source priority then length; short forms are folded into their long
forms; generic phrases are dropped. Each concept's confidence comes from the calibration
(``kg.extraction.calibration``): its mention model weighs the evidence (its type, the
components that found it and how surely) with where and how the paper writes the name. The
result is ``doc._.mentions``.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.extraction.calibration import Calibration
from kg.extraction.gazetteer import SPANS_KEY as GAZETTEER_KEY
from kg.extraction.patterns import SPANS_KEY as RULES_KEY
from kg.extraction.patterns import clean_span
from kg.lexicon import GazetteerEntry, Lexicon, load_lexicon
from kg.records import CONCEPT_TYPES, Mention
from kg.text import acronym_singular, concept_key, is_acronym, singular

#: entity labels of ``doc.ents`` -> concept types: the kg tagger's labels, and SciERC's for a
#: pipeline that sources the SciERC NER instead ("Material" needs a name to be a dataset)
NER_TYPES = {
    "METHOD": "method", "DATASET": "dataset", "METRIC": "metric", "TASK": "task",
    "Method": "method", "Task": "task", "Metric": "metric", "Material": "dataset",
}
#: priority of each candidate source: the lower rank wins an overlap (tagger spans among
#: themselves by probability). A candidate on the very span of an accepted one adds its evidence.
#: The tagger and "compound" (a known concept with specific modifiers) may enclose a gazetteer
#: span: the tagger knows the guideline's boundaries ("process reward model" where the gazetteer
#: knows "reward model"), and papers name both "contrastive learning" and its specific variant.
SOURCE_RANK = {
    "gazetteer": 0, "tagger": 1, "title": 2, "definition": 3, "proposed": 4,
    "head": 5, "name": 6, "alias": 7, "compound": 8,
}
#: confidence of a candidate by its source, or by "source_type" where the type matters, used
#: only when no calibration table is configured (then sources combine as 1 - product of
#: (1 - confidence)). The shipped pipeline calibrates instead: pipelines/tagger/calibration.json.
SOURCE_CONFIDENCE = {
    "tagger": 0.6, "gazetteer": 0.9, "title": 0.85, "definition": 0.7, "proposed": 0.75,
    "head": 0.55, "name": 0.5, "alias": 0.7, "compound": 0.75,
    "head_method": 0.35, "head_dataset": 0.35, "head_metric": 0.3, "head_task": 0.4,
}
#: lower edges of the bins of a span categoriser's probability, each calibrated on its own
TAGGER_SCORE_BINS = (0.9, 0.75, 0.5, 0.0)
#: parts of speech that may extend a known concept into a more specific one
COMPOUND_POS = frozenset({"NOUN", "PROPN"})
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?%?$")
#: a number with a magnitude suffix ("256k", "7B", "1.5M"): a size, never a concept
_QUANTITY = re.compile(r"^\d+(?:[.,]\d+)?\s?[kKmMbBtT]$")
MAX_TOKENS = 8
#: the meanings of one short form whose uses are added as mentions: each meaning adds every use,
#: so an abstract of thousands of definitions of one acronym, each with another long form, made
#: candidates in the square of its length (40,000 characters: 1.9M, 100 s, 4 GB); a paper that
#: means two things by one acronym is rare, three its limit
MAX_MEANINGS_OF_A_SHORT_FORM = 3
#: the longest concept name or alias kept, in characters: eight words of up to 500 characters
#: each (kg.sources.base.MAX_WORD_CHARS) made names of thousands; no annotated name of kg-train
#: or gold-dev is longer than 66
MAX_NAME_CHARS = 200


@dataclass
class Candidate:
    start: int
    end: int
    type: str
    source: str
    canonical: str | None = None  # canonical name when known (gazetteer, acronym long form)
    broad: bool = False
    proposed: bool = False
    score: float | None = None  # the tagger's probability, for a span categoriser that gives one

    @property
    def rank(self) -> tuple[int, float, int]:
        # a span without a probability ranks as a certain one among the tagger's spans
        return (SOURCE_RANK[self.source], -(1.0 if self.score is None else self.score), -(self.end - self.start))


@dataclass
class _Group:
    type: str
    name: str
    surfaces: dict[str, None] = field(default_factory=dict)
    #: best confidence of each component that found this concept
    sources: dict[str, float] = field(default_factory=dict)
    broad: bool = False
    proposed: bool = False
    first: Span | None = None
    places: set[int] = field(default_factory=set)  # token offsets where it was found
    tagger_score: float | None = None  # best probability a span categoriser gave it

    @property
    def evidence(self) -> list[str]:
        """The calibration's key: the components that found this concept, "repeated" when found
        in two places (a phrase a paper names twice is more often a concept), and the bin of
        the probability a span categoriser gave it ("tagger_p75": 0.75 to 0.9)."""
        extra = ["repeated"] if len(self.places) > 1 else []
        if self.tagger_score is not None:
            extra.append(next(f"tagger_p{int(floor * 100)}" for floor in TAGGER_SCORE_BINS
                              if self.tagger_score >= floor))
        return sorted(self.sources) + extra

    def add_source(self, source: str, confidence: float) -> None:
        self.sources[source] = max(self.sources.get(source, 0.0), confidence)

    @property
    def confidence(self) -> float:
        """Components agreeing raise confidence: 1 - product of each one's chance of error."""
        miss = 1.0
        for value in self.sources.values():
            miss *= 1.0 - value
        return 1.0 - miss


class SentenceBounds:
    """Where each token's sentence starts and ends, from one pass over ``doc.sents``:
    ``Span.sent`` walks the whole sentence at each call, and one sentence of thousands of
    names (no full stop in 40,000 characters) made the mentions stage quadratic."""

    def __init__(self, doc: Doc) -> None:
        self._starts = [sent.start for sent in doc.sents] if len(doc) else [0]
        self._length = len(doc)

    def of(self, token_index: int) -> tuple[int, int]:
        """The start and end (token indices) of the sentence holding ``token_index``."""
        number = bisect.bisect_right(self._starts, token_index) - 1
        end = self._starts[number + 1] if number + 1 < len(self._starts) else self._length
        return self._starts[number], end


#: the longest evidence kept whole: a longer sentence gives the text around the mention
MAX_EVIDENCE_CHARS = 1_000


def evidence_text(text: str, doc: Doc, span: Span, sentence: tuple[int, int]) -> str:
    """The sentence of ``span`` (``text`` is ``doc.text``), or the words around the mention
    when the sentence is over :data:`MAX_EVIDENCE_CHARS` (a text with no full stop), marked
    with "…" where cut."""
    first, last = doc[sentence[0]], doc[sentence[1] - 1]
    start, end = first.idx, last.idx + len(last)
    if end - start > MAX_EVIDENCE_CHARS:
        half = MAX_EVIDENCE_CHARS // 2
        middle = (span.start_char + span.end_char) // 2
        cut_start, cut_end = max(start, middle - half), min(end, middle + half)
        if cut_start > start:  # from a word start, never inside one
            space = text.find(" ", cut_start, span.start_char)
            cut_start = space + 1 if space >= 0 else cut_start
        if cut_end < end:
            space = text.rfind(" ", span.end_char, cut_end)
            cut_end = space if space >= 0 else cut_end
        kept = text[cut_start:cut_end].strip()
        return ("…" if cut_start > start else "") + kept + ("…" if cut_end < end else "")
    return text[start:end].strip()


def metric_value(span: Span, sentence: tuple[int, int]) -> str | None:
    """The number reported for a metric in its sentence: "AUC of 0.945", "70.4% top-1 accuracy".
    ``sentence`` is the span's sentence (start, end: :class:`SentenceBounds`)."""
    sent_start, sent_end = sentence
    after = list(span.doc[span.end : min(span.end + 5, sent_end)])
    before = list(span.doc[max(sent_start, span.start - 3) : span.start])[::-1]
    for tokens in (after, before):
        for token in tokens:
            if token.text in (".", ";") or (tokens is after and token.pos_ == "VERB"):
                break
            if _NUMBER.match(token.text) and not re.match(r"^(19|20)\d\d$", token.text):
                value = token.text
                following = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
                if following is not None and following.text == "%" and not value.endswith("%"):
                    value += "%"
                return value
    return None


def versioned_end(span: Span) -> int:
    """End of ``span`` extended over glued version suffixes: "Gemma" + "-2-9B", "GPT" + "-4o"."""
    doc, end = span.doc, span.end
    while (
        end + 1 < len(doc)
        and doc[end].text == "-"
        and not doc[end - 1].whitespace_
        and not doc[end].whitespace_
        and any(ch.isdigit() for ch in doc[end + 1].text)
        and len(doc[end + 1].text) <= 6
    ):
        end += 2
    return end


class _TokenIndex:
    """Where each token text of a doc stands, so that finding the uses of a short form costs
    its uses, not a walk over the doc (an abstract defining hundreds of acronyms walked it for
    each)."""

    def __init__(self, doc: Doc) -> None:
        self.at: dict[str, list[int]] = defaultdict(list)
        self.possessive: dict[str, list[int]] = defaultdict(list)  # "SAE's" under "SAE"
        for token in doc:
            self.at[token.text].append(token.i)
            if token.text.endswith("'s"):
                self.possessive[token.text[:-2]].append(token.i)


def _uses(doc: Doc, short: Span, short_forms: set[str], index: _TokenIndex) -> list[tuple[int, int]]:
    """Token offsets of every use of a short form: one token ("SAEs", "SAE's"), or as many as
    the definition's short form was cut into ("A-MTRL" is "A", "-", "MTRL")."""
    if len(short) == 1:
        found = {i for form in short_forms for i in (*index.at.get(form, ()), *index.possessive.get(form, ()))}
        return [(i, i + 1) for i in sorted(found)]
    n_tokens = len(short)
    return [(i, i + n_tokens) for i in index.at.get(short[0].text, ()) if doc[i : i + n_tokens].text in short_forms]


#: words after a dataset's name that say what it is ("the LyraSet dataset"); capitalised they
#: are part of the name ("Million Song Dataset")
DATASET_KIND_WORDS = frozenset({"dataset", "benchmark", "corpus", "suite", "collection"})


def _is_named(span: Span) -> bool:
    return any(t.text[:1].isupper() or any(c.isdigit() for c in t.text) for t in span)


class MentionResolver:
    """Turns the candidates of earlier components into ``doc._.mentions`` (list of Mention)."""

    def __init__(
        self,
        lexicon: Lexicon,
        min_confidence: float,
        ner_labels: dict[str, str],
        source_confidence: dict[str, float] | None = None,
        calibration: Calibration | None = None,
        tagger_spans_key: str | None = None,
        fold_variants: bool = True,
    ) -> None:
        self.lexicon = lexicon
        self.folds_variants = fold_variants
        self.tagger_spans_key = tagger_spans_key
        self.calibration = calibration
        self.min_confidence = min_confidence
        self.source_confidence = {**SOURCE_CONFIDENCE, **(source_confidence or {})}
        self.ner_labels = ner_labels
        self.gazetteer = lexicon.by_key()

    def confidence_of(self, cand: Candidate) -> float:
        table = self.source_confidence
        return table.get(f"{cand.source}_{cand.type}", table.get(cand.source, 0.5))

    # -- candidates -------------------------------------------------------------------------
    def _gazetteer_entry(self, concept_type: str | None, text: str) -> GazetteerEntry | None:
        key = concept_key(text)
        if concept_type:
            return self.gazetteer.get((concept_type, key))
        for t in CONCEPT_TYPES:
            if (t, key) in self.gazetteer:
                return self.gazetteer[(t, key)]
        return None

    def candidates(self, doc: Doc) -> list[Candidate]:
        found: list[Candidate] = []
        # noun phrases need the parser; a pipeline without one (pipelines/kg-fast.cfg) skips them
        chunks = doc.noun_chunks if doc.has_annotation("DEP") else ()
        chunk_of = {t.i: chunk for chunk in chunks for t in chunk}
        title_end = next(doc.sents).end if len(doc) else 0
        for span in doc.spans.get(GAZETTEER_KEY, []):
            entry = self._gazetteer_entry(span.label_, span.id_)
            version_end = versioned_end(span)
            if version_end > span.end:
                # "Gemma-2-9B", "LLaMA-2": a specific release, a concept of its own
                found.append(Candidate(span.start, version_end, span.label_, "gazetteer"))
                continue
            found.append(
                Candidate(span.start, span.end, span.label_, "gazetteer", span.id_, bool(entry and entry.broad))
            )
            # title phrases are Title Case noun piles ("Zero-Shot Code Representation Learning"):
            # modifiers there rarely make a more specific concept
            in_title = span.start < title_end
            compound = None if in_title else self._compound(span, chunk_of.get(span.end - 1))
            if compound is not None:
                found.append(Candidate(compound.start, compound.end, span.label_, "compound"))
        for ent, score in self._tagged(doc):
            concept_type = self.ner_labels.get(ent.label_)
            span = clean_span(ent)
            if concept_type is None or span is None:
                continue
            if ent.label_ == "Material" and not _is_named(span):
                continue  # SciERC's materials include modalities ("images"), not datasets
            found.append(Candidate(span.start, span.end, concept_type, "tagger", score=score))
        for span in doc.spans.get(RULES_KEY, []):
            found.append(
                Candidate(span.start, span.end, span.label_, span.id_, proposed=span.id_ in ("title", "proposed"))
            )
        # on the very same words, a listed concept's type beats the tagger's guess ("SVHN" is a
        # dataset even where the sentence reads like a method's), and so does a name announced
        # as a dataset or benchmark ("QuillBench: A Reasoning Benchmark ...")
        typed = {(c.start, c.end): c.type for c in found
                 if c.source in ("title", "proposed") and c.type == "dataset"}
        typed.update({(c.start, c.end): c.type for c in found if c.source == "gazetteer"})
        for cand in found:
            if cand.source == "tagger" and (cand.start, cand.end) in typed:
                cand.type = typed[(cand.start, cand.end)]
        definitions = self._definitions(doc, found)
        # a short form found by another rule ("PROP:" in the title, the tagger's "A-MTRL") names
        # its long form's concept
        long_of = {doc[c.start : c.end].text: c for c in definitions if c.source == "alias"}
        for cand in found:
            definition = long_of.get(doc[cand.start : cand.end].text)
            if definition is not None and cand.source != "gazetteer":
                cand.canonical, cand.type, cand.broad = definition.canonical, definition.type, definition.broad
                definition.proposed = definition.proposed or cand.proposed
        for cand in definitions:
            if cand.source == "alias":
                cand.proposed = long_of[doc[cand.start : cand.end].text].proposed
        found.extend(definitions)
        # a name never holds half a bracket pair: "pos_t)_t" is a fragment of a formula
        return [c for c in found if balanced_brackets(doc[c.start : c.end].text)]

    def _listed(self, mention: Mention) -> bool:
        """Whether the gazetteer lists one of the mention's forms as a concept of its type."""
        forms = (mention.name, *mention.aliases)
        return any(self._gazetteer_entry(mention.type, form) is not None for form in forms)

    def _tagged(self, doc: Doc) -> list[tuple[Span, float | None]]:
        """The learned tagger's spans with their probabilities: a span categoriser's group
        ``doc.spans[tagger_spans_key]`` when present, else the entity recogniser's ``doc.ents``
        (no probability: None)."""
        group = doc.spans.get(self.tagger_spans_key) if self.tagger_spans_key else None
        if group is None:
            return [(ent, None) for ent in doc.ents]
        scores = group.attrs.get("scores")  # one row per span: the kept label's probability
        if scores is None:
            return [(span, None) for span in group]
        return [(span, float(numpy.max(row))) for span, row in zip(group, scores)]

    def _compound(self, span: Span, chunk: Span | None) -> Span | None:
        """A known concept with specific modifiers in front: "causal" + "attention mechanism"."""
        if chunk is None or span.label_ not in ("method", "task"):
            return None
        cleaned = clean_span(chunk)
        if cleaned is None or cleaned.end != span.end or cleaned.start >= span.start:
            return None
        extra = span.doc[cleaned.start : span.start]
        # nouns ("window" + "attention") and hyphenated words ("cross-modal", "text-to-image") only:
        # plain adjectives ("larger", "labeled") qualify without naming a more specific concept
        hyphenated = {t.i for t in extra if t.text == "-" and not t.whitespace_}
        hyphenated |= {i - 1 for i in hyphenated} | {i + 1 for i in hyphenated}
        if all(t.pos_ in COMPOUND_POS or t.i in hyphenated for t in extra):
            return cleaned
        return None

    def _definitions(self, doc: Doc, found: list[Candidate]) -> list[Candidate]:
        """Typed long forms of acronym definitions, and every later use of their short form."""
        extra: list[Candidate] = []
        abbreviations = doc._.abbreviations if Doc.has_extension("abbreviations") else None
        index = _TokenIndex(doc) if abbreviations else None
        # the candidates found, by the tokens they hold and by where they start, in their order
        holding: dict[int, list[int]] = defaultdict(list)
        found_at: dict[int, list[Candidate]] = defaultdict(list)
        for number, cand in enumerate(found if abbreviations else ()):
            for i in range(cand.start, cand.end):
                holding[i].append(number)
            found_at[cand.start].append(cand)

        def found_over(start: int, end: int) -> list[Candidate]:
            numbers = {number for i in range(start, end) for number in holding.get(i, ())}
            return [found[number] for number in sorted(numbers)]

        used: set[tuple] = set()  # the uses added, by short form and what they stand for
        meanings_of: Counter[str] = Counter()  # how many meanings of a short form had their uses added
        for abbreviation in abbreviations or []:
            long_form, short = abbreviation.long_form, abbreviation.short_form
            long_span = clean_span(long_form) or long_form
            if len(long_span.text) > MAX_NAME_CHARS or len(short.text) > MAX_NAME_CHARS:
                continue  # no name: its uses would carry it
            entry = self._gazetteer_entry(None, long_span.text) or self._gazetteer_entry(
                None, acronym_singular(short.text)
            )
            concept_type = entry.type if entry else None
            proposed = False
            if concept_type is None:
                overlapping = [
                    c for c in found_over(long_span.start, long_span.end) if c.source != "name"
                ] + [c for c in found_at.get(short.start, ()) if c.source in ("title", "proposed")]
                overlapping.sort(key=lambda c: c.rank)
                if overlapping:
                    concept_type = overlapping[0].type
                    proposed = any(c.proposed for c in overlapping)
                elif any(t.text[:1].isupper() for t in long_span[1:]) or long_span[-1].text[:1].isupper():
                    concept_type = "method"  # a capitalised coined long form names a method
            if concept_type is None:
                continue
            canonical = entry.name if entry else long_span.text
            broad = bool(entry and entry.broad)
            extra.append(
                Candidate(long_span.start, long_span.end, concept_type, "definition", canonical, broad, proposed)
            )
            short_forms = {short.text, acronym_singular(short.text), acronym_singular(short.text) + "s"}
            meaning = (short.text, concept_type, canonical, broad, proposed)
            if meaning in used:  # the same definition again: its uses are in already
                continue
            used.add(meaning)
            meanings_of[short.text] += 1
            if meanings_of[short.text] > MAX_MEANINGS_OF_A_SHORT_FORM:
                continue
            for start, end in _uses(doc, short, short_forms, index):
                extra.append(Candidate(start, end, concept_type, "alias", canonical, broad, proposed))
        return extra

    # -- resolution -------------------------------------------------------------------------
    def resolve(self, doc: Doc) -> list[Mention]:
        taken: list[str | None] = [None] * len(doc)  # source of the candidate holding each token
        groups: dict[str, _Group] = {}  # by concept key
        group_at: dict[tuple[int, int], _Group] = {}  # the group each accepted span went to
        for cand in sorted(self.candidates(doc), key=lambda c: (c.rank, c.start)):
            holders = {taken[i] for i in range(cand.start, cand.end)} - {None}
            if holders and not (cand.source in ("compound", "tagger") and holders == {"gazetteer"}):
                same = group_at.get((cand.start, cand.end))
                if same is not None and same.type == cand.type:
                    same.add_source(cand.source, self.confidence_of(cand))  # agreement on the span
                    same.proposed = same.proposed or cand.proposed
                continue
            span = doc[cand.start : cand.end]
            text = span.text
            if (len(span) > MAX_TOKENS or len(text) > MAX_NAME_CHARS or not any(ch.isalpha() for ch in text)
                    or _QUANTITY.match(text)):
                continue
            if "</" in text or "/>" in text:
                continue  # a piece of markup in a title ("alert(1)</script"); "<SEG> token" is a name
            if self.lexicon.is_generic(text) and cand.source not in ("gazetteer", "title"):
                continue
            if cand.source != "gazetteer":
                entry = self._gazetteer_entry(cand.type, text)
                if entry is not None:
                    cand.canonical, cand.broad = entry.name, entry.broad
            name = cand.canonical or text
            if (cand.canonical is None and cand.type == "dataset" and len(span) > 1
                    and span[-1].text in DATASET_KIND_WORDS and _is_named(span[:-1])):
                name = span[:-1].text  # "the LyraSet dataset": the name is LyraSet, the phrase an alias
            if is_acronym(name):
                name = acronym_singular(name)
            # one group a concept key: an alias of a concept already found under another type
            # keeps that type
            key = concept_key(name)
            group = groups.get(key)
            if group is None:
                group = groups[key] = _Group(type=cand.type, name=name, first=span)
            for i in range(cand.start, cand.end):
                taken[i] = cand.source
            group.surfaces.setdefault(text, None)
            group.add_source(cand.source, self.confidence_of(cand))
            group_at[(cand.start, cand.end)] = group
            group.places.add(cand.start)
            if cand.score is not None:
                group.tagger_score = max(group.tagger_score or 0.0, cand.score)
            group.broad = group.broad or cand.broad
            group.proposed = group.proposed or cand.proposed
            if group.first is None or span.start < group.first.start:
                group.first = span
        mentions: list[Mention] = []
        below: list[Mention] = []  # under the threshold: no concepts, but maybe variants of one
        seen: set[int] = set()
        text = doc.text  # spaCy joins the tokens' texts on every read of Doc.text
        sentences = SentenceBounds(doc)
        for group in groups.values():
            if id(group) in seen:
                continue
            seen.add(id(group))
            first = group.first
            sentence = sentences.of(first.start) if first is not None else None
            value = metric_value(first, sentence) if group.type == "metric" and first is not None else None
            # a measure reported with a number is far more often a metric by the guideline
            evidence = group.evidence + (["value"] if value else [])
            confidence = None
            if self.calibration is not None:
                confidence = self.calibration.mention_confidence(
                    group.type, group.name, group.surfaces, evidence, text=text,
                    proposed=group.proposed and group.type == "method", broad=group.broad)
            if confidence is None:
                confidence = group.confidence
            mention = Mention(
                type=group.type,
                name=group.name,
                aliases=[s for s in group.surfaces if s != group.name],
                proposed=group.proposed and group.type == "method",
                broad=group.broad,
                value=value,
                evidence=evidence_text(text, doc, first, sentence) if first is not None else "",
                confidence=confidence,
                sources=evidence,
            )
            (mentions if confidence >= self.min_confidence else below).append(mention)
        if self.folds_variants:
            title = next(doc.sents).text if len(doc) else ""
            mentions = fold_variants(mentions, below, self._listed, title)
        mentions.sort(key=lambda m: (m.type, -m.confidence, m.name.lower()))
        return mentions


#: concept types whose specific variants fold into the plainer concept a paper also names
VARIANT_TYPES = ("method", "task")
#: words that, written apart from what follows, make it something else ("self supervised")
NEGATING_PREFIXES = frozenset({"self", "semi", "non", "un", "weakly"})
#: words after a name that say what kind of thing it is: "perceptron model" is the perceptron
KIND_WORDS = frozenset({
    "model", "layer", "mechanism", "architecture", "module", "framework", "method", "approach",
    "technique", "algorithm", "strategy", "network", "task", "problem", "function",
})


def balanced_brackets(text: str) -> bool:
    """Whether every (, [ and { of ``text`` closes in order, and nothing closes unopened."""
    closers = {")": "(", "]": "[", "}": "{"}
    open_ones: list[str] = []
    for char in text:
        if char in "([{":
            open_ones.append(char)
        elif char in closers:
            if not open_ones or open_ones.pop() != closers[char]:
                return False
    return not open_ones


def _words(form: str) -> tuple[str, ...]:
    """A surface form's words for comparing endings: lower case, split at spaces only (so
    "self-supervised learning" does not end in "supervised learning"), last word singular."""
    words = [w.strip(".,;:()[]{}\"'") for w in form.lower().split()]
    words = [w for w in words if w]
    if words:
        words[-1] = singular(words[-1])
    return tuple(words)


def _written_as_name(mention: Mention, title: str) -> bool:
    """Whether one of the mention's forms is Title Case outside the paper's title."""
    title = title.lower()
    return any(
        len(form.split()) > 1 and form.lower() not in title
        and all(word[:1].isupper() or not word[:1].isalpha() for word in form.split())
        for form in (mention.name, *mention.aliases)
    )


def _is_variant(long: tuple[str, ...], short: tuple[str, ...]) -> bool:
    """Whether the words ``long`` are ``short`` with words in front ("deep" + "reinforcement
    learning") or with a kind word after ("perceptron" + "model")."""
    if not 0 < len(short) < len(long):
        return False
    if long[-len(short):] == short:
        # "self supervised learning" written without its hyphen is no supervised learning
        return long[-len(short) - 1] not in NEGATING_PREFIXES
    return long[:-1] == short and long[-1] in KIND_WORDS


def _plainer_candidates(
    forms: list[tuple[str, ...]], plains_by_form: dict[tuple[str, ...], list[tuple[int, Mention]]],
) -> list[Mention]:
    """The concepts one of whose forms ``_is_variant`` could find in one of ``forms`` (each
    form's endings, and the form without its last word), in the paper's order."""
    found: dict[int, Mention] = {}
    for long in forms:
        for short in {*(long[k:] for k in range(1, len(long))), long[:-1]}:
            for order, plain in plains_by_form.get(short, ()):
                found[order] = plain
    return [found[order] for order in sorted(found)]


def fold_variants(
    mentions: list[Mention],
    below: Sequence[Mention] = (),
    listed: Callable[[Mention], bool] | None = None,
    title: str = "",
) -> list[Mention]:
    """Fold each method or task that is a plainer concept of the same paper with words in front
    ("multimodal contrastive learning", "deep reinforcement learning") or a kind word after
    ("perceptron model") into that concept, as an alias and a variant. The guideline's
    annotators list such forms as aliases of the plain concept; measured on the out-of-fold
    predictions of kg-train and the silver records, folding raised concept F1 on all four sets
    (benchmarks/extraction.md).

    A variant stays a concept of its own when it is a name: the paper proposes it, it has an
    acronym ("JE-SSL"), the abstract writes it in Title Case ("Behavior Transformer"; in the
    ``title`` every phrase is), or the gazetteer lists it ("sparse autoencoder" beside
    "autoencoder": ``listed``, else the gazetteer among its sources); also when it is broad, or
    when the plainer concept is ("multimodal large language models"). ``below`` are the paper's
    mentions under the confidence threshold: they are no concepts, but one that is a variant of
    a kept concept is still one of its forms."""
    into: dict[int, Mention] = {}
    for concept_type in VARIANT_TYPES:
        same_type = [m for m in mentions if m.type == concept_type]
        weak = [m for m in below if m.type == concept_type]
        words = {id(m): [_words(f) for f in (m.name, *m.aliases)] for m in same_type + weak}
        # each concept under each of its forms' words, in the paper's order: a variant looks up
        # the endings and the kind-word-less start of its forms, not every concept of the paper
        plains_by_form: dict[tuple[str, ...], list[tuple[int, Mention]]] = defaultdict(list)
        for order, plain in enumerate(same_type):
            for form in set(words[id(plain)]):
                plains_by_form[form].append((order, plain))
        for variant in same_type + weak:
            if (variant.proposed or variant.broad or "gazetteer" in variant.sources
                    or any(is_acronym(f) for f in (variant.name, *variant.aliases))
                    or _written_as_name(variant, title)
                    or (listed is not None and listed(variant))):
                continue
            best, best_length = None, 0
            for plain in _plainer_candidates(words[id(variant)], plains_by_form):
                # a plainer concept has a shorter name, so folds never go round in a circle
                if plain.broad or len(words[id(plain)][0]) >= len(words[id(variant)][0]):
                    continue
                length = max((len(short) for long in words[id(variant)] for short in words[id(plain)]
                              if _is_variant(long, short)), default=0)
                if length > best_length:
                    best, best_length = plain, length
            if best is not None:
                into[id(variant)] = best
    for variant in [*mentions, *below]:
        target = into.get(id(variant))
        if target is None:
            continue
        while id(target) in into:  # a variant of a variant: fold into the plainest
            target = into[id(target)]
        for form in (variant.name, *variant.aliases):
            if form != target.name and form not in target.aliases:
                target.aliases.append(form)
            if form != target.name and form not in target.variants:
                target.variants.append(form)
    return [m for m in mentions if id(m) not in into]


@Language.factory(
    "kg_mentions",
    default_config={
        "lexicon_dir": None,
        "min_confidence": 0.5,
        "ner_labels": NER_TYPES,
        "source_confidence": {},
        "calibration": None,
        "tagger_spans_key": None,
        "fold_variants": True,
    },
)
def make_mention_resolver(
    nlp: Language,
    name: str,
    lexicon_dir: str | None,
    min_confidence: float,
    ner_labels: dict[str, str],
    source_confidence: dict[str, float],
    calibration: str | None,
    tagger_spans_key: str | None,
    fold_variants: bool,
) -> "MentionComponent":
    """Settings: ``min_confidence`` drops weaker mentions; ``calibration`` is the path of a
    calibration table (confidence per type and set of components, and the mention model that
    weighs them with how the paper writes the name, both fitted out of fold by
    ``scripts/train_tagger.py``); without one, ``source_confidence`` gives each candidate source
    ("tagger", "head") or source and type ("head_method") a confidence, combined by noisy-OR;
    ``fold_variants`` folds specific variants into the plain concept a paper also names (after
    the threshold: :func:`fold_variants`)."""
    table = Calibration.from_disk(calibration) if calibration else None
    resolver = MentionResolver(load_lexicon(lexicon_dir), min_confidence, dict(ner_labels),
                               dict(source_confidence), table, tagger_spans_key, fold_variants)
    return MentionComponent(resolver)


class MentionComponent:
    def __init__(self, resolver: MentionResolver) -> None:
        self.resolver = resolver
        if not Doc.has_extension("mentions"):
            Doc.set_extension("mentions", default=None)

    def __call__(self, doc: Doc) -> Doc:
        doc._.mentions = self.resolver.resolve(doc)
        return doc
