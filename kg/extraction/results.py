"""Reported results: "achieves 84.4% top-1 accuracy on ImageNet-1K" -> a :class:`~kg.records.Result`.

A result is a number the text reports as the outcome of an evaluation (the annotation guideline,
``RESULTS-GUIDELINE.md``). The component runs after ``kg_mentions`` and reads a sentence at a time:

1. *Values*: numbers with a unit of outcome ("%", "x", "times", "points", "FPS", "ms",
   "frames per second"), signed changes ("+4.8"), decimals ("0.945") and ranges ("1.8x to 2.6x",
   but "from 76.5% to 94.2%" is two scores). Numbers inside names ("CIFAR-10"), years, sizes ("1.2M
   images", "5% of the data") and bare counts ("15 datasets") are not results.
2. *Kind*: a value is a gain when the words around it say it is a change ("by 3%", "+4.8",
   "30x more", "a 55% improvement"), else a score.
3. *Metric*: the measure the value qualifies, read from the words next to it ("84.4% top-1
   accuracy", "an AUC of 0.945", "reduces hallucination by 30%", "an improvement in relation
   F1", "the accuracy difference is 4.0%"), else a metric the sentence names, else the metric
   of the paper's previous result when this value only continues it ("it attains 87.0%"), else
   the guideline's last resort, the nearest phrase that names what was measured.
4. *Dataset, method, task*: the paper's own mentions in the sentence. The dataset nearest the
   value (lists paired in order with "respectively"); the method that is the subject of the
   sentence's claim, or the paper's proposed method when the text credits "our method", "we"
   or "it"; the task only when no dataset is named.

The results are ``doc._.results``, a list of :class:`~kg.records.Result`.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator
import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from kg.extraction.gazetteer import SPANS_KEY as GAZETTEER_KEY
from kg.extraction.patterns import SPANS_KEY as RULES_KEY
from kg.extraction.patterns import clean_span, title_name
from kg.records import Mention, Result
from kg.text import acronym_singular, concept_key, is_acronym

#: a value: a signed or plain number, with a unit of outcome, or a range of two ("3% - 4%",
#: "1.8x to 2.6x"; find_values splits "from A to B", a value before and one after)
_UNIT = r"(?:\s?%|\s?[x×X](?![\w])|\s?-?times\b|-fold\b|\s?pp\b)"
VALUE = re.compile(
    r"(?<![\w.\-^={])(?<![A-Za-z]/)(?P<sign>[+±]|[−-](?=\d))?(?P<number>\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?|\d+(?:[.,]\d+)?)(?![\w.]*[A-Za-z]{2})"
    rf"(?P<unit>{_UNIT})?"
    rf"(?:(?:\s?(?:-|–|~)\s?|\sto\s)(?P<number2>\d+(?:[.,]\d+)?)(?P<unit2>{_UNIT})?)?"
)
#: units of a multiplier ("3x", "4 times", "2-fold")
MULTIPLIERS = frozenset({"x", "×", "times", "-times", "-fold"})
#: a decimal glued to a symbol ("H=0.70"): reported, but its number starts after the symbol
GLUED_VALUE = re.compile(r"(?<=[A-Za-z]=)(?P<number>\d+[.,]\d+)")
#: words after a number that make it a size or a count, not an outcome
SIZE_WORDS = frozenset(
    """k m b t bn billion million thousand trillion parameters params param images image samples
    tokens token words steps step epochs hours days gpus gpu layers languages tasks datasets models
    examples seeds games pairs videos clips documents sentences queries questions molecules
    hyperparameters dimensions classes categories subjects participants patients users songs
    annotators frames pixels nodes edges points-of-view""".split()
)
#: units written after a value: part of the value, the measure is named elsewhere ("a speed of
#: 14.7 FPS"); "points" is the measure itself when nothing else names one
UNIT_WORDS = frozenset(
    """fps ms s sec second seconds millisecond milliseconds microsecond microseconds hz gb mb tb hours
    minute minutes points point db pp""".split()
)
#: head nouns of measures ("mathematical reasoning performance", "success rate"), for a value
#: that names no measure of its own
MEASURE_HEADS = frozenset(
    """performance accuracy accuracies score scores error errors rate ratio distance coefficient
    correlation precision recall similarity perplexity speed throughput latency efficiency
    memory cost""".split()
)
#: settings, not outcomes: "a masking ratio of 75%", "a learning rate of 0.001"
SETTING_WORDS = frozenset(
    """temperature dropout decay momentum threshold masking mask sampling warmup lambda alpha beta
    epsilon sparsity""".split()
) | {"learning rate", "weight decay", "batch size"}
#: data a share can be taken of ("5% of the training data"): a size, not a result
DATA_WORDS = frozenset(
    "data dataset datasets training corpus labels image images samples examples tokens parameters set annotations".split()
)
#: nouns naming a change: the measure is the words around them ("performance boost")
CHANGE_NOUNS = frozenset(
    """improvement improvements gain gains boost boosts increase increases reduction reductions
    decrease decreases drop drops margin lead advantage""".split()
)
#: words that make a value a change rather than an absolute score
GAIN_CUES = CHANGE_NOUNS | frozenset(
    """by more less fewer faster slower higher lower better smaller larger cheaper speedup
    speed-up relative absolute outperforming outperforms outperform outperformed surpassing
    surpasses improving improves improved reducing reduces reduced increasing increases
    increased boosting boosts boosted cutting cuts""".split()
)
#: verbs whose object is the measure that changed: "reduces hallucination by 30%"
CHANGE_VERBS = frozenset(
    """improve increase boost raise reduce decrease lower cut drop enhance lift shrink speed
    accelerate""".split()
)
#: comparatives after a multiplier: "30x more compute-efficient", "3x faster inference"
COMPARATIVES = frozenset("more less fewer faster slower higher lower better worse smaller larger cheaper".split())
#: qualifiers that are not part of a measure's name
QUALIFIERS = frozenset(
    """a an the its their our this that these those absolute relative remarkable substantial
    significant notable impressive consistent overall up only about approximately nearly
    over around roughly almost respectively further additional new state-of-the-art sota real-time
    competitive strong large small outstanding excellent superior""".split()
)
#: measures that only say "how good" and defer to a named metric reported before them
VAGUE_MEASURES = frozenset({"performance", "results", "result", "score", "scores"})
#: heads of noun phrases that never name what was measured
NOT_MEASURES = frozenset(
    """method methods model models approach approaches baseline baselines work works paper papers
    framework frameworks art state experiments experiment setting settings results result data
    dataset datasets benchmark benchmarks task tasks way ways number case cases example examples
    average terms comparison contrast addition time times fraction part parts one ones size""".split()
)
#: subjects that credit the paper's own approach
OWN_WORDS = frozenset({"we", "our", "it", "ours", "proposed", "this", "its"})
#: prepositions before a dataset a result is on
DATASET_PREPOSITIONS = frozenset({"on", "in", "for", "across", "over"})
#: the span group of the learned concept tagger (pipelines/kg.cfg)
TAGGER_KEY = "kg_tagger"
_YEAR = re.compile(r"^(19|20)\d\d$")
_WINDOW = 6  # tokens read on each side of a value for its measure
#: words between the values of a list that share one measure: "8.1% and 8.8% improvement",
#: "from 45.3 to 48.1 mAP"
LIST_WORDS = frozenset({"and", "or", ",", "to"})
#: words between a measure and its value: "accuracies upwards of 95%", "by more than 10%"
APPROXIMATORS = frozenset(
    """approximately about around nearly roughly up upwards over than more almost only just even
    above below beyond exceeding least less""".split()
)

#: parts of speech that end a measure's name read backwards
_CLAUSE_WORDS = frozenset({"DET", "ADP", "CCONJ", "SCONJ", "PRON", "AUX", "PART", "NUM"})
#: verbs of beating a baseline: the values they report in brackets are margins
BEATING_VERBS = frozenset({"outperform", "surpass", "beat", "exceed"})
#: words that say a value is an average ("(avg. 1.8%)")
AVERAGE_WORDS = frozenset({"avg", "avg.", "average", "mean", "."})


@dataclass
class _Value:
    text: str  # the value as written ("84.4%", "+4.8", "3% - 4%")
    start: int  # first token
    end: int  # one past the last token
    number: str
    unit: str
    signed: bool


@dataclass
class _Place:
    """A concept named at tokens [start, end) of the doc, with the surface written there: one
    of the paper's mentions, or a candidate span the mention resolver did not keep."""

    type: str
    start: int
    end: int
    surface: str
    proposed: bool = False
    broad: bool = False


def find_values(sent: Span, measures: frozenset[int] = frozenset(), names: frozenset[int] = frozenset()) -> list[_Value]:
    """Numbers in a sentence that may be reported outcomes, with their token positions;
    ``measures`` are the tokens of metrics the paper names ("FID 2.5" is a result), ``names``
    those of the methods and datasets it names (the "2.0" of "wav2vec 2.0" is no result)."""
    doc, values = sent.doc, []
    text, offset = sent.text, sent.start_char
    matches = list(GLUED_VALUE.finditer(text))
    for match in VALUE.finditer(text):
        joint = match.group(0).find(" to ")
        if joint > 0 and re.search(r"\bfrom\s+$", text[: match.start()]):
            # "from 76.5% to 94.2%": a score before and a score after, two values
            joint += match.start()
            matches += [*VALUE.finditer(text, match.start(), joint), *VALUE.finditer(text, joint + 4, match.end())]
        else:
            matches.append(match)  # "by 1.8x to 2.6x": one range, as written
    for match in sorted(matches, key=lambda m: m.start()):
        number = match.group("number")
        groups = match.groupdict()
        unit = (groups.get("unit") or groups.get("unit2") or "").strip().lower()
        signed = bool(groups.get("sign"))
        span = doc.char_span(offset + match.start(), offset + match.end(), alignment_mode="expand")
        if span is None:
            continue
        # a number glued to letters is part of a name or a size ("2D", "114k", "R3D"), but a
        # number after "=" is a reported value ("H=0.70")
        head = span.start_char - offset
        tail = span.end_char - offset
        if any(ch.isalpha() for ch in text[match.end() : tail]):
            continue
        if any(ch.isalpha() for ch in text[head : match.start()]) and text[match.start() - 1] != "=":
            continue
        if any(v.start < span.end and span.start < v.end for v in values):
            continue
        if not signed and not unit and any(i in names for i in range(span.start, span.end)):
            continue  # part of a name the paper uses: "wav2vec 2.0", "AlpacaEval 2.0"
        values.append(_Value(match.group(0).strip(), span.start, span.end, number, unit, signed))
    outcomes: list[_Value] = []
    for value in values:
        if _is_outcome(value, doc, measures):
            outcomes.append(value)
        elif (value.unit in MULTIPLIERS and outcomes and outcomes[-1].unit in MULTIPLIERS
              and value.start - outcomes[-1].end <= 12 and doc[value.start - 1].lower_ in ("and", "or", ",")):
            outcomes.append(value)  # "a 2.1x speedup for images and 2.6x for videos": the list goes on
    return outcomes


def _next_words(doc: Doc, index: int, count: int = 3) -> list[Token]:
    return list(doc[index : min(len(doc), index + count)])


#: a word with a digit inside it, a name's shape ("wav2vec", "data2vec", "seq2seq")
_DIGIT_INSIDE = re.compile(r"[A-Za-z]+\d+[A-Za-z]+")
_ORDER_SIGNS = frozenset({">", "<", "≥", "≤", ">=", "<="})


def _compares_bare_numbers(doc: Doc, value: _Value) -> bool:
    """Whether the value stands on one side of ">" or "<" with a bare number on the other."""
    after = doc[value.end : value.end + 2]
    before = doc[max(0, value.start - 2) : value.start]
    return (len(after) == 2 and after[0].text in _ORDER_SIGNS and after[1].like_num) or (
        len(before) == 2 and before[1].text in _ORDER_SIGNS and before[0].like_num)


def _is_outcome(value: _Value, doc: Doc, measures: frozenset[int] = frozenset()) -> bool:
    """A number the text reports as an outcome, not a size, count, year or enumeration."""
    after_measure = value.start - 1 in measures or (
        value.start > 1 and doc[value.start - 1].lower_ in ("of", "=", ":") and value.start - 2 in measures
    )
    number = value.number
    if _YEAR.match(number) and not value.unit:
        return False
    before = doc[value.start - 1] if value.start > 0 else None
    after = _next_words(doc, value.end)
    first_after = after[0].lower_ if after else ""
    # "(1)" and "1.)" enumerate; "Table 3", "top-5" name things
    if first_after == ")" and not value.unit and not value.signed and number.isdigit():
        return False  # "(1)", "2)": an enumeration
    if before is not None and not before.whitespace_ and before.text[-1:].isalpha():
        return False
    # "100 frames per second", "40 tokens per second": a throughput, not a size
    rate = len(after) > 2 and after[1].lower_ == "per" and after[2].lower_ in ("second", "sec", "s", "minute", "hour")
    if ((first_after in SIZE_WORDS or first_after.rstrip("s") in SIZE_WORDS and first_after not in UNIT_WORDS)
            and not rate and not _glued(after[0])):  # "100% token-swap accuracy": a compound's first word
        return False  # "1.2M images", "7 billion"; "210 ms" is a time, not millions
    if first_after in ("second", "millisecond", "microsecond", "minute") and len(after) > 1 and after[1].pos_ == "NOUN":
        return False  # "the 10 and 3 second conditions", "a 5 millisecond window": a setting
    if value.unit in ("%", "pp") and first_after == ")" and len(after) > 1:
        first_after = after[1].lower_  # "(5%) of its training data"
        after = after[1:]
    if value.unit in ("%", "pp") and first_after == "of":
        following = [t.lower_ for t in doc[after[0].i + 1 : min(len(doc), after[0].i + 4)]]
        if any(word in DATA_WORDS for word in following) or (following and following[0] in ("its", "all")):
            return False
        names = doc[after[0].i + 1 : min(len(doc), after[0].i + 3)]
        if any(t.pos_ == "PROPN" and t.text[:1].isupper() for t in names):
            return False  # "10% of ImageNet": a share of a dataset
    if value.unit == "%":
        # "with only 2% language annotations", "10% labeled data": a share of the training data
        phrase = list(itertools.takewhile(lambda t: t.pos_ in ("ADJ", "NOUN", "PROPN", "VERB"), after[:3]))
        if (phrase and phrase[-1].lower_ in DATA_WORDS and phrase[-1].pos_ == "NOUN"
                and not any(t.lower_ in COMPARATIVES or t.tag_ in ("JJR", "RBR") for t in phrase)):
            return False
    # the word after the adjective, across the hyphens of a compound ("100% interchange-intervention
    # accuracy" names a measure)
    following = [t for t in doc[value.end + 1 : min(len(doc), value.end + 6)] if t.text != "-"][:1]
    if (value.unit == "%" and after and after[0].pos_ == "ADJ" and after[0].lower_ not in COMPARATIVES
            and after[0].lower_ not in ("relative", "absolute")
            and after[0].tag_ not in ("JJR", "RBR") and (not following or following[0].pos_ not in ("NOUN", "PROPN", "ADJ"))):
        return False  # "a 100% valid notation": a property, not a measured outcome
    if value.unit in MULTIPLIERS:
        # "30x more efficient", "a 3x speedup": a multiplier of an outcome, not "2x filters"
        window = {t.lower_ for t in doc[value.end : min(len(doc), value.end + 3)]}
        # "a 3.2x end-to-end speedup": the change noun may close a longer name
        run = set()
        for token in doc[value.end : min(len(doc), value.end + _WINDOW)]:
            run.add(token.lower_)
            if token.is_punct and token.text != "-":
                break
        # the words before, past "at least", "up to", "of" ("speedups of at least 1.5x")
        start = value.start
        while start > 0 and value.start - start < 4 and (
                doc[start - 1].lower_ in APPROXIMATORS | {"to", "of"}
                or doc[start - 1].lower_ == "at" and doc[start].lower_ in ("least", "most")):
            start -= 1
        preceding = {t.lower_ for t in doc[max(0, start - 3) : value.start]}
        speedups = {"speedup", "speed-up", "speedups", "speed-ups"}
        following = doc[value.end : min(len(doc), value.end + 1)]
        sized = doc[start - 1] if start > 0 else None
        if (following and following[0].lower_ in ("larger", "longer", "bigger", "wider") and sized is not None
                and (sized.lower_ in SIZE_WORDS | DATA_WORDS or sized.lower_ in ("inputs", "sequences", "contexts"))):
            return False  # "extrapolate to images up to 17.6x larger": a size of the input, not an outcome
        return bool(window & (COMPARATIVES | CHANGE_NOUNS | speedups) or run & (CHANGE_NOUNS | speedups)) or bool(
            preceding & ({"by", "up", "achieving", "achieves", "yielding", "yields"} | speedups)
        )
    if (not value.unit and not value.signed and before is not None and first_after not in UNIT_WORDS
            and not after_measure and (before.text[:1].isupper() and before.pos_ == "PROPN"
                                       or _DIGIT_INSIDE.fullmatch(before.text))):
        return False  # "Llama 3.1", "Claude 3.5 Sonnet", "wav2vec 2.0": a version in a name
    if not value.unit and not value.signed and _compares_bare_numbers(doc, value):
        return False  # "(such as 9.11 > 9.9)": numbers as an example, not measured
    if value.unit or value.signed or "." in number or "," in number and len(number.split(",")[1]) != 3:
        return True
    # a whole number without a unit is a count unless a unit or measure follows ("17 points",
    # "28 BLEU") or it is what a measure reached ("scoring 64", "from 12 to 30")
    if first_after in UNIT_WORDS or rate or (after and after[0].text.isupper() and after[0].text in ("BLEU", "FID", "ROUGE", "WER", "mAP", "AP", "F1")):
        return True
    # "an F1 of 85", "BLEU 28": a whole number a named metric takes
    return after_measure or (before is not None and before.lower_ in ("scoring", "scores", "score"))


def _names_where_or_who(tokens: list[Token], places: "list[_Place]", types: tuple[str, ...] = ("dataset", "method")) -> bool:
    """The words are (part of) a dataset or method the paper names."""
    return bool(tokens) and any(p.type in types and p.start < tokens[-1].i + 1 and tokens[0].i < p.end for p in places)


#: units of time and rate a value is written with ("23 FPS", "210 ms"), kept in its text
_TIME_UNITS = UNIT_WORDS - {"points", "point", "pp", "db", "gb", "mb", "tb"}


def _with_unit(doc: Doc, sent: Span, value: _Value) -> str:
    """The value as written, with a unit of time or rate that follows it ("23 FPS")."""
    if value.end < sent.end and doc[value.end].lower_ in _TIME_UNITS and not value.text.endswith(("%", "x")):
        return f"{value.text} {doc[value.end].text}"
    return value.text


def _bracketed(doc: Doc, value: _Value) -> bool:
    """The value stands alone in brackets, maybe as an average: "(2.4%)", "(avg. 1.8%)"."""
    i = value.start - 1
    while i > 0 and doc[i].lower_ in AVERAGE_WORDS:
        i -= 1
    return i >= 0 and doc[i].text == "(" and value.end < len(doc) and doc[value.end].text == ")"


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"  # what a regular expression's \\w matches


def occurrences(text: str, form: str) -> Iterator[tuple[int, int]]:
    """Where ``form`` occurs in ``text`` as a whole word or words (no word character just
    before or after), left to right without overlaps: ``re.finditer`` of ``(?<!\\w)FORM(?!\\w)``
    without compiling a pattern for every name (which was a third of this component's time)."""
    at = text.find(form) if form else -1
    while at >= 0:
        end = at + len(form)
        if (at == 0 or not _word_char(text[at - 1])) and (end == len(text) or not _word_char(text[end])):
            yield at, end
            at = text.find(form, end)
        else:
            at = text.find(form, at + 1)


def locate(doc: Doc, mentions: list[Mention]) -> list[_Place]:
    """Where each mention's surface forms occur in the doc, and the dataset and metric spans of
    the earlier components that no mention covers ("the GPR1200 dataset" a resolver found too
    rare to keep is still where a result was measured); longest first where they overlap."""
    places: list[_Place] = []
    text = doc.text
    for mention in mentions:
        for surface in sorted({mention.name, *mention.aliases}):
            if not surface:
                continue
            for start, end in occurrences(text, surface):
                span = doc.char_span(start, end, alignment_mode="expand")
                if span is not None:
                    places.append(_Place(mention.type, span.start, span.end, surface, mention.proposed, mention.broad))
    places.sort(key=lambda p: (p.start, -(p.end - p.start)))
    kept: list[_Place] = []
    kept_end = 0  # places come by their start: one overlaps a kept one when it starts before this
    for place in places:
        if place.start >= kept_end:
            kept.append(place)
            kept_end = place.end
    for key in (GAZETTEER_KEY, RULES_KEY, TAGGER_KEY):
        for span in doc.spans.get(key, []):
            concept_type = span.label_.lower()
            if concept_type not in ("dataset", "metric"):
                continue
            cleaned = clean_span(span)
            if concept_type == "dataset" and cleaned is not None and not any(
                ch.isupper() or ch.isdigit() for ch in cleaned.text
            ):
                continue  # "smaller labeled datasets" says what kind of data, not which
            if cleaned is None or any(k.start < cleaned.end and cleaned.start < k.end for k in kept):
                continue
            kept.append(_Place(concept_type, cleaned.start, cleaned.end, cleaned.text))
    kept.sort(key=lambda p: p.start)
    return kept


def _says_little(measure: str | None) -> bool:
    """No measure yet, or only a change ("improvement") or a vague word ("performance")."""
    return measure is None or measure.lower() in CHANGE_NOUNS | VAGUE_MEASURES


def _is_setting(measure: str) -> bool:
    """A hyper-parameter ("masking ratio", "learning rate"), whose value is chosen, not measured."""
    if is_acronym(measure.split()[-1]):
        return False  # "mask AP": a measure named by its short form, whatever qualifies it
    words = re.split(r"[\s-]+", measure.lower())
    return any(w in SETTING_WORDS for w in words) or any(
        f" {phrase} " in f" {' '.join(words)} " for phrase in SETTING_WORDS if " " in phrase
    )


def _glued(token: Token) -> bool:
    """The token starts a hyphenated word: "on" in "on-chip"."""
    doc = token.doc
    return not token.whitespace_ and token.i + 1 < len(doc) and doc[token.i + 1].text == "-"


def _phrase(tokens: list[Token]) -> str | None:
    """The words of ``tokens`` without qualifiers at the edges, as written (or None)."""
    while tokens and (
        (tokens[0].lower_ in QUALIFIERS or tokens[0].is_punct or tokens[0].pos_ in ("DET", "NUM", "ADP"))
        and not _glued(tokens[0])
        or tokens[0].i > 0 and tokens[0].doc[tokens[0].i - 1].text == "-" and not tokens[0].doc[tokens[0].i - 2].whitespace_
    ):
        # the last word of a hyphenated qualifier ("state-of-the-art performance") goes too
        tokens = tokens[1:]
    while tokens and (tokens[-1].is_punct or tokens[-1].pos_ in ("DET", "ADP", "CCONJ") or tokens[-1].lower_ in QUALIFIERS):
        tokens = tokens[:-1]
    if not tokens or not any(ch.isalpha() for ch in "".join(t.text for t in tokens)):
        return None
    doc = tokens[0].doc
    return doc[tokens[0].i : tokens[-1].i + 1].text


def _after_a_listed_value(token: Token) -> bool:
    """The token joins a list right after a value ("and" in "memory by 4x and latency by 2x")."""
    if token.lower_ not in ("and", "or", ",") or token.i == 0:
        return False
    closing = token.doc[token.i - 1]  # "4x", "12%", "3.1 points"
    return closing.like_num or closing.lower_ in UNIT_WORDS or closing.text in ("%", "x", "×") or bool(
        re.fullmatch(r"\d+(?:[.,]\d+)?[x×%]", closing.text)
    )


def _gerund_modifier(token: Token) -> bool:
    """An -ing form right before a noun ("decoding latency", "training time"), whatever the
    parser attached it to."""
    doc = token.doc
    return token.tag_ == "VBG" and token.i + 1 < len(doc) and doc[token.i + 1].pos_ == "NOUN"


def _is_nominal(token: Token) -> bool:
    if "@" in token.text[1:-1] and token.text[0].isalpha():
        return True  # "nDCG@10", "pass@1": a metric's name, whatever the tagger made of the "@"
    return token.pos_ in ("NOUN", "PROPN", "ADJ", "X") or token.text in ("-", "_", "/") or (
        token.pos_ == "VERB" and token.tag_ in ("VBN", "VBG") and token.dep_ in ("amod", "compound")
    ) or (token.pos_ == "NUM" and any(ch.isalpha() for ch in token.text))


#: the longest sentence read as one: a longer one (a table pasted as text, a run-on the parser did
#: not split) is read in pieces this long, since each value's reading looks across its sentence
#: (a 5,000-token sentence of 2,500 figures took a minute and a half). kg-train's longest
#: sentence has 139 tokens.
MAX_SENTENCE_TOKENS = 150


def bounded_sentences(doc: Doc, max_tokens: int) -> Iterator[Span]:
    """The doc's sentences, each longer than ``max_tokens`` cut in consecutive pieces that long."""
    for sent in doc.sents:
        for start in range(sent.start, sent.end, max_tokens):
            yield doc[start : min(sent.end, start + max_tokens)]


class ResultExtractor:
    """Reads the results of one doc from its sentences and its mentions."""

    def __call__(self, doc: Doc) -> list[Result]:
        mentions: list[Mention] = list(doc._.mentions or []) if doc.has_extension("mentions") else []
        places = locate(doc, mentions)
        metric_spans = self._metric_spans(doc, places)
        measure_tokens = frozenset(i for start, end in metric_spans for i in range(start, end))
        name_tokens = frozenset(i for p in places if p.type in ("method", "dataset") for i in range(p.start, p.end))
        own = self._own_method(doc, mentions)
        results: list[Result] = []
        seen: set[tuple[str, str]] = set()
        previous: Result | None = None
        # the doc's noun chunks, once: the reading of each value looks up those near it
        self._chunks = [(chunk.start, chunk.end) for chunk in doc.noun_chunks] if doc.has_annotation("DEP") else []
        for sent in bounded_sentences(doc, MAX_SENTENCE_TOKENS):
            values = find_values(sent, measure_tokens, name_tokens)
            if not values:
                continue
            in_sent = [p for p in places if sent.start <= p.start < sent.end]
            datasets = [p for p in in_sent if p.type == "dataset"]
            tasks = [p for p in in_sent if p.type == "task"]
            paired = self._respectively(sent, values, datasets)
            sent_results: list[Result] = []
            for value in values:
                kind = self._kind(doc, sent, value, values)
                metric, source = self._metric(doc, sent, value, values, kind, metric_spans, sent_results, previous,
                                              in_sent)
                dataset = paired.get(value.start) if paired else (
                    self._named_after(doc, value, datasets) or self._nearest(value, datasets))
                credited = self._credited(doc, sent, value, in_sent)
                method = credited or self._method(doc, sent, value, in_sent, own)
                dataset_name = dataset.surface if dataset else None
                if source is not None and source in sent_results and kind == "gain":
                    # a change of a score just reported ("outperforming X by 15.7%") is on the
                    # same dataset, by the same method: names near it belong to the baseline
                    dataset_name, method = source.dataset, credited or source.method or method
                elif source is not None and source in sent_results:
                    # "an improvement of 1.7% on X and 9.3% on Y": the list shares its kind
                    method = method or source.method
                    if self._listed(doc, value):
                        kind = "gain" if source.kind == "gain" else kind
                elif source is not None and dataset_name is None:
                    dataset_name, method = source.dataset, method or source.method
                task = None
                if dataset_name is None:
                    nearest_task = self._nearest(value, tasks)
                    task = nearest_task.surface if nearest_task else None
                result = Result(
                    value=_with_unit(doc, sent, value), metric=metric, kind=kind,
                    dataset=dataset_name, method=method, task=task, evidence=sent.text.strip(),
                )
                if metric and _is_setting(metric):
                    continue  # a setting of the method, not an outcome
                key = (re.sub(r"[^\d.]", "", value.number), concept_key(metric or ""))
                if key in seen:
                    continue  # the title's figure repeated in the abstract is one result
                seen.add(key)
                sent_results.append(result)
            results.extend(sent_results)
            if sent_results:
                previous = sent_results[-1]
        return results

    # -- the measure ------------------------------------------------------------------------
    def _metric_spans(self, doc: Doc, places: list[_Place]) -> list[tuple[int, int]]:
        return [(p.start, p.end) for p in places if p.type == "metric"]

    def _metric(
        self, doc: Doc, sent: Span, value: _Value, values: list[_Value], kind: str,
        metric_spans: list[tuple[int, int]], earlier: list[Result], previous: Result | None,
        places: list[_Place],
    ) -> tuple[str | None, Result | None]:
        """(the measure of ``value``, the earlier result whose measure it continues, if any)."""
        unit = self._unit_after(doc, sent, value)
        metric = None if unit else self._measure_after(doc, sent, value, values)
        # "improves top-1 accuracy by 3.6 and 2.9 points": every value of a list reads the
        # measure before its first value
        head = self._list_head(doc, value, values)
        if metric is None:
            metric = self._measure_before(doc, sent, head, places)
        if _says_little(metric) or self._names_a_concept(metric, places):
            # "reduces attack success rate on HarmBench from 38.5% to 4.9%": what the verb changed
            metric = self._object_of_change(doc, sent, head, places) or metric
        if _says_little(metric):
            # "an improvement of 22-38% in average precision", "96% of the performance of X"
            metric = self._measure_in(doc, sent, value, places) or metric
        if _says_little(metric):
            # "a performance of 86.6% (F1, sentences < 40 words)": the metric named in brackets
            metric = self._bracketed_metric(doc, sent, value, metric_spans) or metric
        if metric is None and unit is not None:
            # "running at 23 FPS": a unit that names a metric is the measure, when the words
            # before name none ("an inference speed of 14.7 FPS" keeps its phrase)
            named = [(start, end) for start, end in metric_spans if start <= unit.i < end]
            if named:
                return doc[named[0][0] : named[0][1]].text, None
        vague = metric is None or metric.lower() in CHANGE_NOUNS or (
            kind == "score" and metric.lower() in VAGUE_MEASURES
        )
        if vague and earlier and earlier[-1].metric:
            # "achieves a score of 0.415, a 55% relative improvement": the change of that score
            return earlier[-1].metric, earlier[-1]
        if metric is None:
            metric = self._named_metric(doc, sent, value, metric_spans)
        bare = metric is None or metric.lower() in CHANGE_NOUNS
        if (bare or metric.lower() in VAGUE_MEASURES) and previous is not None and previous.metric:
            if (bare or previous.metric.lower() not in VAGUE_MEASURES) and not value.signed and value.unit in ("%", ""):
                return previous.metric, previous  # "it attains 87.0% when fine-tuned"
        if metric is None:
            metric = self._measure_head(doc, sent, value) or self._nearest_phrase(doc, sent, value, places, self._chunks)
        if metric is None and unit is not None and unit.lower_ in ("points", "point"):
            metric = unit.text
        return metric, None

    @staticmethod
    def _nearest_phrase(
        doc: Doc, sent: Span, value: _Value, places: list[_Place], doc_chunks: list[tuple[int, int]],
    ) -> str | None:
        """The guideline's last resort, "the nearest phrase that names what was measured": the
        phrase after "in" / "on" right after the value ("by 5% in success rate"), else the nearest
        noun phrase of the sentence that names no method, dataset or task and is not a generic
        word ("baselines", "our method")."""
        named = [(p.start, p.end) for p in places if p.type in ("method", "dataset", "task")]

        def usable(chunk: Span) -> str | None:
            if chunk.start <= value.start < chunk.end or chunk.root.pos_ == "PRON":
                return None
            if chunk.root.lower_ in NOT_MEASURES or any(s < chunk.end and chunk.start < e for s, e in named):
                return None
            if any(ch.isdigit() for ch in chunk.text):
                return None
            return _phrase(list(chunk))

        # the doc's noun chunks near the value, found by their ends (Span.noun_chunks walks all
        # of the doc's each time); a doc's noun chunks never overlap, so their ends are in order
        chunks = []
        first = bisect.bisect_left(doc_chunks, max(sent.start, value.start - 8), key=lambda chunk: chunk[1])
        for start, end in itertools.islice(doc_chunks, first, None):
            if start > value.end + 8:
                break
            if sent.start <= start and end <= sent.end and (abs(start - value.end) <= 8 or abs(value.start - end) <= 8):
                chunks.append(doc[start:end])
        nxt = value.end + (1 if value.end < sent.end and doc[value.end].lower_ in UNIT_WORDS else 0)
        if nxt < sent.end and doc[nxt].lower_ in ("in", "on", "for"):
            after = next((c for c in chunks if c.start == nxt + 1 or (c.start == nxt + 2 and doc[nxt + 1].pos_ == "DET")), None)
            if after is not None and usable(after):
                return usable(after)
        ranked = sorted(chunks, key=lambda c: min(abs(c.start - value.end), abs(value.start - c.end)))
        return next((usable(c) for c in ranked if usable(c)), None)

    @staticmethod
    def _measure_in(doc: Doc, sent: Span, value: _Value, places: list[_Place]) -> str | None:
        i = value.end + (1 if value.end < sent.end and doc[value.end].lower_ in UNIT_WORDS else 0)
        if i + 1 >= sent.end or doc[i].lower_ not in ("in", "of"):
            return None
        start = i + 1 + (doc[i + 1].pos_ == "DET")
        taken = []
        for token in doc[start : min(sent.end, start + _WINDOW)]:
            if not (_is_nominal(token) or token.text in ("-", "_")) or token.pos_ == "ADP":
                break
            taken.append(token)
        if not taken or any(p.start < taken[-1].i + 1 and taken[0].i < p.end for p in places if p.type != "metric"):
            return None  # "in ImageNet", "of the training data": not a measure
        if doc[i].lower_ == "of" and taken[-1].lower_ not in MEASURE_HEADS:
            # "retaining 98.7% of baseline mIoU": a metric the phrase names
            return next((p.surface for p in places if p.type == "metric"
                         and taken[0].i <= p.start and p.end <= taken[-1].i + 1), None)
        return _phrase(taken)

    @staticmethod
    def _unit_after(doc: Doc, sent: Span, value: _Value) -> Token | None:
        if value.end < sent.end and doc[value.end].lower_ in UNIT_WORDS:
            return doc[value.end]
        return None

    @staticmethod
    def _names_a_concept(phrase: str, places: list[_Place]) -> bool:
        """The phrase is a dataset, method or task named in the sentence: not a measure."""
        return any(p.type in ("dataset", "method", "task") and p.surface == phrase for p in places)

    @staticmethod
    def _object_of_change(doc: Doc, sent: Span, value: _Value, places: list[_Place]) -> str | None:
        """The direct object of the change verb the value depends on: "improves mean AUC on X
        from 82.1 to 83.6", "reduces ECE by up to 70%" (its noun phrase, without what follows
        the head noun)."""
        verb, hops = doc[value.start], 0
        while verb.pos_ not in ("VERB", "AUX") and verb.head is not verb and hops < 6:
            verb, hops = verb.head, hops + 1
        if verb.lemma_.lower() not in CHANGE_VERBS or not sent.start <= verb.i < value.start:
            return None
        obj = next((c for c in verb.children if c.dep_ == "dobj" and c.i < value.start), None)
        if obj is None or obj.pos_ not in ("NOUN", "PROPN"):
            return None
        if any(_after_a_listed_value(t) for t in doc[obj.i + 2 : value.start]):
            return None  # "cuts memory by 3x and latency by 2x": the object is the first value's measure
        words = list(doc[obj.left_edge.i : obj.i + 1])
        if not all(_is_nominal(t) or _glued(t) or t.pos_ in ("DET", "NUM") or t.tag_ == "PRP$" for t in words):
            return None
        named = [p for p in places if p.type in ("dataset", "method", "task")]
        if any(p.start <= obj.i < p.end for p in named):
            return None  # "improves CLIP by 3%": what was improved is a method, not a measure
        return _phrase(words)

    @staticmethod
    def _bracketed_metric(doc: Doc, sent: Span, value: _Value, metric_spans: list[tuple[int, int]]) -> str | None:
        """A metric the text names first thing in brackets right after the value."""
        if value.end + 1 < sent.end and doc[value.end].text == "(":
            return next((doc[s:e].text for s, e in metric_spans if s == value.end + 1), None)
        return None

    @staticmethod
    def _named_metric(doc: Doc, sent: Span, value: _Value, metric_spans: list[tuple[int, int]]) -> str | None:
        named = [s for s in metric_spans if sent.start <= s[0] < sent.end]
        if not named:
            return None
        start, end = min(named, key=lambda s: min(abs(s[0] - value.start), abs(s[1] - value.end)))
        return doc[start:end].text

    @staticmethod
    def _measure_head(doc: Doc, sent: Span, value: _Value) -> str | None:
        """The nearest noun phrase headed by a measure word: "mathematical reasoning performance"."""
        heads = [t for t in sent if t.lower_ in MEASURE_HEADS and t.pos_ == "NOUN" and not value.start <= t.i < value.end]
        if not heads:
            return None
        head = min(heads, key=lambda t: (abs(t.i - value.start), t.i > value.start))
        taken = [head]
        j = head.i - 1
        while j >= sent.start and (doc[j].pos_ in ("NOUN", "PROPN", "ADJ") or doc[j].text == "-") and len(taken) < _WINDOW:
            taken.insert(0, doc[j])
            j -= 1
        return _phrase(taken)

    @staticmethod
    def _nominal_run(doc: Doc, start: int, stop: int) -> list[Token]:
        """Words from ``start`` that can make a measure's name (nouns, adjectives, hyphenated
        words such as "on-chip"), up to the first verb, preposition or punctuation."""
        taken: list[Token] = []
        for token in doc[start : min(stop, start + _WINDOW)]:
            glued = not token.whitespace_ and token.i + 1 < len(doc) and doc[token.i + 1].text == "-"
            if token.text in ("-", "_", "/") and taken:
                taken.append(token)
                continue
            if glued and token.pos_ == "ADP":
                taken.append(token)
                continue
            if token.lower_ == "per" and taken and token.i + 1 < stop and doc[token.i + 1].pos_ == "NOUN":
                taken.append(token)  # "frames per second": a rate is one measure
                continue
            if token.pos_ in ("ADP", "VERB", "AUX", "CCONJ", "SCONJ", "PRON", "PART") or token.is_punct:
                if not (token.pos_ == "VERB" and token.dep_ in ("amod", "compound")):
                    break
            if not _is_nominal(token) and token.pos_ not in ("DET", "ADV", "VERB"):
                break
            if token.pos_ == "ADV" and not taken:
                continue
            taken.append(token)
        return taken

    @staticmethod
    def _list_head(doc: Doc, value: _Value, values: list[_Value]) -> _Value:
        """The first value of the list ``value`` closes ("5.4 and 7.1", "1.2, 3.4 or 5.6"), or
        ``value`` itself."""
        head = value
        for earlier in reversed([v for v in values if v.end <= value.start]):
            between = doc[earlier.end : head.start]
            if len(between) > 2 or not all(t.lower_ in LIST_WORDS - {"to"} for t in between):
                break
            head = earlier
        return head

    def _measure_after(self, doc: Doc, sent: Span, value: _Value, values: list[_Value]) -> str | None:
        """The words right after the value: "84.4% top-1 accuracy", "a 73% energy reduction"."""
        i = value.end
        # "8.1% and 8.8% improvement": the measure after the last value of a list
        later = [v for v in values if v.start > value.start]
        while later and later[0].start - i <= 1 and all(t.lower_ in LIST_WORDS for t in doc[i : later[0].start]):
            i, later = later[0].end, later[1:]
        if i < sent.end and doc[i].lower_ in COMPARATIVES:
            # "30x more compute-efficient": the quality that grew
            taken = self._nominal_run(doc, i + 1, sent.end)
            phrase = _phrase(taken)
            if not phrase and i + 2 < sent.end and doc[i + 1].lower_ == "in":
                # "92.7% faster in batch inference speed": the measure follows "in"
                start = i + 2 + (doc[i + 2].pos_ == "DET")
                run = list(itertools.takewhile(
                    lambda t: (_is_nominal(t) or _gerund_modifier(t) or t.text == "-") and t.pos_ != "ADP",
                    doc[start : min(sent.end, start + _WINDOW)]))
                phrase = _phrase(run)
                if phrase:
                    return phrase
            if doc[i].lower_ in ("faster", "slower"):
                # "3x faster inference"; "15x faster" alone: the speed is what changed
                return f"{doc[i].text} {phrase}" if phrase else doc[i].text
            return phrase
        if i + 1 < sent.end and doc[i].text == "-" and doc[i + 1].lower_ in UNIT_WORDS:
            i += 2  # "a 4.5-point gain"
        taken = self._nominal_run(doc, i, sent.end)
        while taken and taken[-1].lower_ in CHANGE_NOUNS:
            change = taken.pop()
            nxt = change.i + 1
            if nxt < sent.end and doc[nxt].lower_ == "in":
                # "an 8% average error reduction in unlabeled attachment scores"
                measured = self._measure_of_change(doc, sent, change)
                if measured:
                    return measured
            if not _phrase(taken):
                # "an improvement in relation F1", "a 4% improvement": the measure follows or is
                # the change itself
                return self._measure_of_change(doc, sent, change) or change.text
        phrase = _phrase(taken)
        if phrase and all(word.lower() in UNIT_WORDS for word in phrase.split()):
            return None  # "by 5.4 and 7.1 points": a unit, the measure is elsewhere
        return phrase

    def _measure_of_change(self, doc: Doc, sent: Span, change: Token) -> str | None:
        nxt = change.i + 1
        if nxt < sent.end and doc[nxt].lower_ in ("in", "on", "towards", "of", "for"):
            taken = []
            for token in doc[nxt + 1 : min(sent.end, nxt + 1 + _WINDOW + 2)]:
                if token.text == "(" or token.pos_ in ("VERB", "AUX", "CCONJ", "SCONJ", "PRON") or (
                    token.is_punct and token.text not in ("-", "_")
                ):
                    break
                if token.pos_ == "ADP" and token.lower_ not in ("under", "of"):
                    break
                taken.append(token)
            # "in area under the ROC curve (AUC)": the short form the text gives
            end = taken[-1].i + 1 if taken else nxt + 1
            if end + 2 < sent.end and doc[end].text == "(" and doc[end + 2].text == ")":
                return doc[end + 1].text
            while taken and taken[-1].lower_ in ("task", "tasks", "benchmark", "benchmarks"):
                taken.pop()
            return _phrase(taken)
        return None

    def _measure_before(self, doc: Doc, sent: Span, value: _Value, places: list[_Place] = ()) -> str | None:
        """The words before the value: "an AUC of 0.945", "accuracy from 49.6% to 93.7%",
        "reduces hallucination by 30%"."""
        i = value.start - 1
        # skip "approximately", "up to", "more than" between the measure and the value
        while i > sent.start and (
            doc[i].lower_ in APPROXIMATORS or doc[i].text in ("~", "≈")
            or doc[i].lower_ == "to" and doc[i - 1].lower_ == "up"
        ):
            i -= 1
        # "finetuning (avg. 1.8%)": an average in brackets after the measure's name
        while i > sent.start and doc[i].lower_ in AVERAGE_WORDS and "(" in (doc[i - 1].text, doc[i - 2].text):
            i -= 1 if doc[i - 1].text == "(" else 2
        if i <= sent.start:
            return None
        link = doc[i].lower_
        if link == "to":
            start = next((t.i for t in doc[max(sent.start, i - 5) : i] if t.lower_ == "from"), None)
            if start is None:
                return None  # "improved to 72.9%": the measure is the verb's subject, often vague
            i, link = start, "from"
        if link == "by":
            # "<verb> <measure> by N": the object of the change verb, unless it is what was beaten
            j, taken, listed = i - 1, [], None
            # a verb form or a hyphen inside the measure's name ("fine-tuning accuracy") is
            # neither the verb nor the clause's end
            while j > sent.start and (not doc[j].is_punct or _glued(doc[j - 1])) and (
                doc[j].pos_ not in ("VERB", "AUX")
                # "cuts" parsed as a compound is still the verb; "decoding" before "latency" is
                # part of the measure's name, however the parser attached it
                or (doc[j].dep_ in ("amod", "compound") or _gerund_modifier(doc[j]))
                and doc[j].lemma_.lower() not in CHANGE_VERBS
            ):
                if listed is None and _after_a_listed_value(doc[j]):
                    # "reducing cache memory by 4x and decoding latency by 2.2x": a measure of its own
                    listed = list(taken)
                taken.insert(0, doc[j])
                j -= 1
            if doc[j].lemma_.lower() not in CHANGE_VERBS:
                return None  # "outperforms X by 3%": X is what was beaten, not the measure
            if listed is not None:
                return _phrase(listed) if listed and all(_is_nominal(t) or t.pos_ == "DET" for t in listed) else None
            of = next((t.i for t in taken if t.lower_ == "of"), None)
            if of is not None and (measure := self._measure_before_of(doc, sent, of)):
                return measure  # "reduces the attack success rate of X by 40%": the rate
            if taken and all(_is_nominal(t) or _glued(t) or _gerund_modifier(t) or t.pos_ == "DET" or t.lower_ == "of"
                             for t in taken):
                return _phrase(taken)  # "reduces the number of parameters by 50%"
            return None
        if link in ("is", "are", "was", "were") and doc[i].pos_ == "AUX":
            # "the accuracy difference between the two approaches is only 14.0%": the subject
            subject = next((c for c in doc[i].children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subject is not None and subject.pos_ in ("NOUN", "PROPN"):
                words = [t for t in doc[subject.left_edge.i : subject.i + 1]]
                if all(_is_nominal(t) or t.pos_ == "DET" or t.tag_ == "PRP$" for t in words):
                    return _phrase(words)
        if (link == "(" and value.end < sent.end and doc[value.end].text == ")"
                and not (doc[i - 1].pos_ in ("ADJ", "ADV") and doc[i - 1].dep_ in ("acomp", "advmod"))):
            # "finetuning (avg. 1.8%), linear (2.4%) ...": the words before the bracket name what
            # was measured, whatever part of speech the tagger gave them in such a list
            j, taken = i - 1, []
            while j >= sent.start and len(taken) < _WINDOW and (
                    doc[j].text in ("-", "_", "/") or doc[j].is_alpha and doc[j].pos_ not in _CLAUSE_WORDS
                    and doc[j].tag_ not in ("VBZ", "VBD", "VBP", "MD")):
                taken.insert(0, doc[j])
                j -= 1
            # a dataset there is where ("on ImageNet (84.4%)"); a method may be the protocol
            # measured ("kNN classification (avg. 3.5%)")
            return None if _names_where_or_who(taken, places, ("dataset",)) else _phrase(taken)
        if link in ("of", "from", "at", "=", ":", "(", "is", "was", "reaches", "reached", "reaching", "upwards"):
            j, taken = i - 1, []
            while j >= sent.start and (_is_nominal(doc[j]) or doc[j].text in ("-", "_")) and len(taken) < _WINDOW:
                taken.insert(0, doc[j])
                j -= 1
            if link == "from" and j >= sent.start and doc[j].lower_ in DATASET_PREPOSITIONS:
                return None  # "raises pass@1 on HumanEval+ from 80.5%": where, not what
            if link in ("is", "was", "reaches", "reached", "reaching") and _names_where_or_who(taken, places):
                return None  # "on ImageNet (84.4%)", "CoRank reaches 97%": a dataset or a method
            of = self._of_before(doc, sent, j, i - _WINDOW - 2) if link == "from" else None
            if of is not None and (measure := self._measure_before_of(doc, sent, of)):
                # "raises the average success rate of a fine-tuned baseline from 76.5%": the rate
                return measure
            if taken and taken[-1].lower_ in CHANGE_NOUNS:
                after = value.end + (value.end < sent.end and doc[value.end].lower_ in UNIT_WORDS)
                if after < sent.end and doc[after].lower_ == "in":
                    # "a potential increase of 35% in MRR": the measure follows the value
                    return taken[-1].text
                # "an F1-score improvement of 1.7%": the measure is what improved
                if len(taken) > 1 and _phrase(taken[:-1]):
                    taken = taken[:-1]
            return _phrase(taken)
        return None

    @staticmethod
    def _of_before(doc: Doc, sent: Span, start: int, floor: int) -> int | None:
        """The "of" that the words back from ``start`` hang on, before any clause word (a verb,
        another preposition, punctuation) and not before ``floor``."""
        for k in range(start, max(sent.start, floor), -1):
            if doc[k].lower_ == "of":
                return k
            if (doc[k].is_punct and doc[k].text != "-"
                    or doc[k].pos_ in ("VERB", "AUX", "ADP") and doc[k].dep_ not in ("amod", "compound")):
                return None
        return None

    @staticmethod
    def _measure_before_of(doc: Doc, sent: Span, of: int) -> str | None:
        """The measure in "<measure> of <what was measured>" when its head is a measure word or
        a short form ("the overall score of a 2B model", "the attack success rate of prefilling
        attacks", "the F1 of the parser")."""
        head = doc[of - 1] if of > sent.start else None
        if head is None or not (head.lower_ in MEASURE_HEADS or is_acronym(head.text) or re.fullmatch(r"[A-Z]\d", head.text)):
            return None
        j, taken = of - 1, []
        while j >= sent.start and (_is_nominal(doc[j]) or doc[j].text in ("-", "_")) and len(taken) < _WINDOW:
            taken.insert(0, doc[j])
            j -= 1
        return _phrase(taken)

    # -- kind -------------------------------------------------------------------------------
    def _kind(self, doc: Doc, sent: Span, value: _Value, values: list[_Value]) -> str:
        """"gain" for a change ("by 3%", "+4.8", "30x faster", "a 73% energy reduction"), else
        "score"."""
        if value.signed or value.unit in MULTIPLIERS | {"pp"}:
            return "gain"
        head = self._list_head(doc, value, values)
        if head is not value:
            return self._kind(doc, sent, head, values)  # "by 3.6 and 2.9 points": both gains
        end = value.end
        later = [v for v in values if v.start > value.start]
        while later and later[0].start - end <= 1 and all(t.lower_ in LIST_WORDS - {"to"} for t in doc[end : later[0].start]):
            end, later = later[0].end, later[1:]
        if any(t.lower_ in CHANGE_NOUNS | COMPARATIVES for t in self._nominal_run(doc, end, sent.end)):
            return "gain"
        if end < len(doc) and doc[end].lower_ in ("over", "above"):
            return "gain"  # "5.2% over the strongest baseline"
        i = value.start
        while i > 0 and (doc[i - 1].lower_ in APPROXIMATORS or doc[i - 1].text in ("~", "≈")
                         or doc[i - 1].lower_ == "to" and i > 1 and doc[i - 2].lower_ == "up"):
            i -= 1
        before = [t.lower_ for t in doc[max(0, i - 2) : i]]
        if len(before) == 2 and before[0] in CHANGE_NOUNS and before[1] == "of":
            return "gain"  # "an improvement of 2%"
        after = [t.lower_ for t in doc[value.end : min(len(doc), value.end + 4)]]
        if "by" in before or any(word in GAIN_CUES and word != "by" for word in after[:4]):
            # "from 49.6% to 93.7%" are two scores even after "improves"
            return "score" if (before and before[-1] in ("from", "to")) else "gain"
        if _bracketed(doc, value) and any(t.lemma_.lower() in BEATING_VERBS for t in doc[sent.start : value.start]):
            return "gain"  # "X outperforms the best model on: finetuning (avg. 1.8%), ...": margins
        return "score"

    # -- dataset, method --------------------------------------------------------------------
    @staticmethod
    def _named_after(doc: Doc, value: _Value, datasets: list[_Place]) -> _Place | None:
        """The dataset the result's own phrase names: "84.4% top-1 accuracy on ImageNet", where
        nothing but the measure stands between the value and "on"; it wins over a nearer name
        before the value ("we evaluate on ImageNet and CIFAR-10 and achieve 84.4% ... on ImageNet")."""
        for place in sorted((p for p in datasets if p.start > value.end), key=lambda p: p.start):
            between = doc[value.end : place.start]
            if len(between) > 1 and between[-1].pos_ == "DET":
                between = between[:-1]  # "72.4 NDS on the NuScenes dataset"
            if between and between[-1].lower_ in ("on", "over", "across") and all(
                    t.pos_ in ("NOUN", "PROPN", "ADJ", "NUM", "SYM", "PUNCT") and t.text not in ",;:"
                    for t in between[:-1]):
                return place
            return None  # only the first name after the value can be its phrase's
        return None

    @staticmethod
    def _nearest(value: _Value, places: list[_Place]) -> _Place | None:
        if not places:
            return None

        def distance(place: _Place) -> tuple[int, int]:
            gap = place.start - value.end if place.start >= value.end else value.start - place.end
            return (gap, 0 if place.start >= value.end else 1)  # ties: the one after ("on X")

        return min(places, key=distance)

    @staticmethod
    def _respectively(sent: Span, values: list[_Value], datasets: list[_Place]) -> dict[int, _Place]:
        """"8.1% and 8.8% on UCF101 and HMDB51 respectively": values and datasets in order."""
        if len(values) < 2 or len(datasets) != len(values):
            return {}
        if not any(t.lower_ == "respectively" for t in sent):
            return {}
        return {v.start: d for v, d in zip(values, datasets)}

    def _own_method(self, doc: Doc, mentions: list[Mention]) -> list[str]:
        """The surface forms of the paper's own method, short form first ("CLMR" before
        "Contrastive Learning of Musical Representations"); empty when no name is found.

        Evidence, strongest first: the name before the title's colon ("CASAL: ..."), a name the
        text gives ("named as I2P-MAE", "dubbed L^2ViT"), an acronym of the title's initials
        ("Contrastive Learning of Musical Representations" -> CLMR), the resolver's "proposed"."""
        methods = [m for m in mentions if m.type == "method" and not m.broad]
        if not methods:
            return []
        title = title_name(doc)
        title_text = title.text if title is not None else None
        first = next(doc.sents, None)
        initials = "".join(t.text[0] for t in first if t.text[:1].isupper()) if first is not None else ""
        named = {
            doc[t.i + 1 + (doc[t.i + 1].lower_ == "as")].text
            for t in doc[:-2]
            if t.lower_ in ("named", "called", "dubbed", "termed", "coined")
        }

        def weight(mention: Mention) -> int:
            forms = {mention.name, *mention.aliases}
            score = 0
            if title_text and title_text in forms:
                score += 8
            if any(form in named or any(form.startswith(n) and n for n in named) for form in forms):
                score += 4
            if initials and any(is_acronym(f) and len(acronym_singular(f)) >= 3 and acronym_singular(f).upper() in initials.upper() for f in forms):
                score += 2
            return score + (1 if mention.proposed else 0)

        best = max(methods, key=weight)
        if weight(best) == 0:
            return []
        counts = {}
        for form in {best.name, *best.aliases}:
            counts[form] = sum(1 for _ in occurrences(doc.text, form))
        # the short form is the one leaderboards and annotators use
        # the form itself breaks ties, so the choice never depends on a set's (hash) order
        return sorted(counts, key=lambda form: (not is_acronym(form), -counts[form], len(form), form))

    @staticmethod
    def _listed(doc: Doc, value: _Value) -> bool:
        """The value follows another in a list ("1.7% on X and 9.3% on Y")."""
        return value.start > 0 and doc[value.start - 1].lower_ in LIST_WORDS - {"to"}

    @staticmethod
    def _credited(doc: Doc, sent: Span, value: _Value, in_sent: list[_Place]) -> str | None:
        """"72.19% from OpenAI's CLIP model": a value credited to a named method right after it."""
        methods = [p for p in in_sent if p.type == "method" and not p.broad]
        for token in doc[value.end : min(sent.end, value.end + 4)]:
            if token.lower_ == "from":
                after = [p for p in methods if token.i < p.start <= token.i + 3]
                # "from OpenAI's CLIP": the owner's name, then the method's
                named = [p for p in after if not (p.end < len(doc) and doc[p.end].lower_ in ("'s", "’s"))]
                return (named or after)[0].surface if after else None
        return None

    def _method(self, doc: Doc, sent: Span, value: _Value, in_sent: list[_Place], own_forms: list[str]) -> str | None:
        """The method credited with the value: named by "from X", else the subject of the claim."""
        methods = [p for p in in_sent if p.type == "method" and not p.broad]
        own = own_forms[0] if own_forms else None
        for place in methods:
            place.proposed = place.surface in own_forms
        verb = doc[value.start].head
        hops = 0
        while verb.pos_ not in ("VERB", "AUX") and verb.head is not verb and hops < 8:
            verb, hops = verb.head, hops + 1
        subject = None
        for _ in range(4):
            subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subject is not None or verb.dep_ not in ("conj", "advcl", "xcomp", "ccomp", "relcl", "acl") or verb.head is verb:
                break
            verb = verb.head
        proposed_here = [p for p in methods if p.proposed]
        if subject is None:
            return own if proposed_here else None
        tree = list(subject.subtree)
        lo, hi = tree[0].i, tree[-1].i + 1
        inside = [p for p in methods if lo <= p.start < hi]
        if any(p.proposed for p in inside):
            return own
        if any(t.lower_ in OWN_WORDS for t in tree):
            # "our full objective achieves ...", "we achieve ...", "our 2B SSE-H model achieves"
            return own or coined_name(tree)
        if inside:
            return inside[0].surface
        if coined_name(tree):
            return coined_name(tree)  # a coined name the resolver did not keep
        # "experiments demonstrate the effectiveness of HIPPO, achieving ...": the paper's own
        # method named in the claim
        return own if proposed_here else None


#: a size written before a name ("our 2B model")
_SIZE = re.compile(r"^\d+(?:[.,]\d+)?[kKmMbBtT]$")


def coined_name(tokens: list[Token]) -> str | None:
    """A coined name among ``tokens``: capitals inside a word or with digits ("SSE-H", "DINOv2"),
    joined over hyphens."""
    def coined(token: Token) -> bool:
        text = token.text
        return (
            not _SIZE.match(text) and text[:1].isalnum() and any(ch.isalpha() for ch in text)
            and (sum(ch.isupper() for ch in text) >= 2 or (text[:1].isupper() and any(ch.isdigit() for ch in text)))
        )

    for token in tokens:
        if coined(token):
            start = end = token.i
            doc = token.doc
            while end + 2 < len(doc) and doc[end + 1].text == "-" and not doc[end].whitespace_ and not doc[end + 1].whitespace_:
                end += 2
            return doc[start : end + 1].text
    return None


@Language.factory("kg_results", default_config={})
def make_result_extractor(nlp: Language, name: str) -> "ResultComponent":
    """Reported results (``doc._.results``) from the sentences and ``doc._.mentions``; runs after
    ``kg_mentions``."""
    return ResultComponent(ResultExtractor())


class ResultComponent:
    def __init__(self, extractor: ResultExtractor) -> None:
        self.extractor = extractor
        if not Doc.has_extension("results"):
            Doc.set_extension("results", default=None)

    def __call__(self, doc: Doc) -> Doc:
        doc._.results = self.extractor(doc)
        return doc
