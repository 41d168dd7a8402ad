"""Calibrated mention confidences: how often a kind of evidence was right, out of fold.

A mention's evidence is its type and the set of components that found it ("a task the tagger
and a typing head both found"). Cross-validation on the annotated training papers gives, for
each kind of evidence, how many predicted concepts carried it and how many of those the
annotators had too; the smoothed ratio is the confidence kg gives that evidence from then on.
So a confidence means the same on any corpus: "of the mentions kg scored 0.7, about seven in
ten are concepts by the annotation guideline", and ``min_confidence`` keeps the mentions more
likely right than a chosen rate.

Rare combinations borrow strength from their type (additive smoothing towards the type's
precision), and a combination never seen out of fold falls back to its best single component.

The table sees only which components agreed. A table also holds a mention model
(:class:`MentionModel`, a logistic regression fitted on the same out-of-fold predictions) that
weighs that evidence together with what the table cannot see: whether the title names the
concept, how often the paper writes it, how long it is, its capitals and digits, and its first
and last words. When the table has one, the mention model gives the confidence; its
probabilities are calibrated by the fit itself (a logistic regression's predicted rate matches
the observed rate in the data it was fitted on).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: pseudo-counts pulling a rare kind of evidence towards its type's precision
SMOOTHING = 3.0


def evidence_key(concept_type: str, sources: Iterable[str]) -> str:
    """``"task:head+tagger"``: the type and the sorted set of components that found a mention."""
    return f"{concept_type}:{'+'.join(sorted(set(sources)))}"


@dataclass
class Calibration:
    """Confidence per kind of evidence, fitted by :func:`fit` (``calibration.json``)."""

    evidence: dict[str, float]
    single: dict[str, float]  # "type:source" -> precision of mentions that component found
    types: dict[str, float]
    model: "MentionModel | None" = None

    def mention_confidence(self, concept_type: str, name: str, forms: Iterable[str], sources: Iterable[str],
                           *, text: str, proposed: bool, broad: bool) -> float | None:
        """Calibrated confidence of a mention of ``text`` (the paper's title, a line break, its
        abstract): the mention model's probability when the table has one, else the table's."""
        if self.model is None or concept_type not in self.types:
            return self.confidence(concept_type, sources)
        features = mention_features(concept_type, name, forms, sources, text=text, proposed=proposed,
                                    broad=broad, words=self.model.words)
        return round(self.model.probability(features), 3)  # as the table's: a figure to read, not a score to sort

    def confidence(self, concept_type: str, sources: Iterable[str]) -> float | None:
        """Calibrated confidence of a kind of evidence (the table alone), or None when nothing
        is known of its type."""
        sources = sorted(set(sources))
        key = evidence_key(concept_type, sources)
        if key in self.evidence:
            return self.evidence[key]
        known = [self.single[f"{concept_type}:{s}"] for s in sources if f"{concept_type}:{s}" in self.single]
        if known:
            return max(known)
        return self.types.get(concept_type)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Calibration":
        try:
            return cls({k: float(v["confidence"]) for k, v in data["evidence"].items()},
                       {k: float(v["confidence"]) for k, v in data["single"].items()},
                       {k: float(v["confidence"]) for k, v in data["types"].items()},
                       MentionModel.from_dict(data["model"]) if data.get("model") else None)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ValueError(f"not a kg calibration table ({err!r})") from None

    @classmethod
    def from_disk(cls, path: str | Path) -> "Calibration":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls.from_dict(data)
        except (OSError, ValueError) as err:
            raise ValueError(f"{path}: cannot read the calibration table: {err}") from None


def _smoothed(counts: dict[str, list[int]], prior: dict[str, float], type_of) -> dict[str, dict[str, Any]]:
    table = {}
    for key, (right, total) in sorted(counts.items()):
        base = prior.get(type_of(key), 0.5)
        table[key] = {"right": right, "total": total,
                      "confidence": round((right + SMOOTHING * base) / (total + SMOOTHING), 3)}
    return table


def fit(observations: Iterable[tuple[str, list[str], bool]]) -> dict[str, Any]:
    """Fit a calibration table from (type, sources, was it right) of out-of-fold predictions."""
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_evidence: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_single: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for concept_type, sources, right in observations:
        for counts in (by_type[concept_type], by_evidence[evidence_key(concept_type, sources)],
                       *(by_single[f"{concept_type}:{s}"] for s in set(sources))):
            counts[0] += int(right)
            counts[1] += 1
    types = {t: {"right": r, "total": n, "confidence": round(r / n, 3) if n else 0.0}
             for t, (r, n) in sorted(by_type.items())}
    prior = {t: v["confidence"] for t, v in types.items()}
    type_of = lambda key: key.split(":", 1)[0]  # noqa: E731
    return {
        "about": "confidence of each kind of evidence (type:components) = smoothed out-of-fold "
                 "precision from cross-validation on kg-train; written by scripts/train_tagger.py",
        "smoothing": SMOOTHING,
        "types": types,
        "single": _smoothed(by_single, prior, type_of),
        "evidence": _smoothed(by_evidence, prior, type_of),
    }


# -- the mention model: a logistic regression over richer evidence -------------------------
#: least uses in the training candidates for a first or last word to get a weight of its own
MIN_WORD_USES = 8


def _words(name: str) -> list[str]:
    return name.lower().split()


#: longest first line read as a title when the text has no second line
MAX_TITLE_CHARS = 300


def title_of(text: str) -> str:
    """The title of an extraction input (title, line break, abstract): its first line, or nothing
    when the text is one long line (an abstract without a title)."""
    head, newline, _ = text.partition("\n")
    return head if newline or len(head) <= MAX_TITLE_CHARS else ""


def mention_features(concept_type: str, name: str, forms: Iterable[str], evidence: Iterable[str], *,
                     text: str, proposed: bool, broad: bool,
                     words: frozenset[str] = frozenset()) -> dict[str, float]:
    """What the mention model weighs: the evidence of the table (type and components) and what
    the table cannot see: where and how often ``text`` (title, line break, abstract: a paper's
    extraction input) writes the name, its shape (length, capitals, digits) and its first and
    last words, when those are common in training."""
    t = concept_type
    forms = {f for f in (name, *forms) if f}
    evidence = sorted(set(evidence))
    title = title_of(text)
    lowered, title_lowered = text.lower(), title.lower()
    count = sum(lowered.count(f.lower()) for f in forms)
    first_at = min((i for i in (lowered.find(f.lower()) for f in forms) if i >= 0), default=-1)
    tokens = _words(name)
    features = {f"type={t}": 1.0, f"ev={evidence_key(t, evidence)}": 1.0,
                f"{t}:in_title": float(any(f.lower() in title_lowered for f in forms)),
                f"{t}:log_count": math.log1p(count),
                f"{t}:early": float(0 <= first_at < len(title) + 200),
                f"{t}:words={min(len(tokens), 5)}": 1.0,
                f"{t}:capital_inside": float(any(c.isupper() for c in name[1:])),
                f"{t}:lower_case": float(name == name.lower()),
                f"{t}:digit": float(any(c.isdigit() for c in name)),
                f"{t}:hyphen": float("-" in name),
                f"{t}:aliases": float(min(len(forms) - 1, 3)),
                f"{t}:proposed": float(proposed), f"{t}:broad": float(broad)}
    for source in evidence:
        features[f"{t}:source={source}"] = 1.0
    if tokens and f"{t}:last={tokens[-1]}" in words:
        features[f"{t}:last={tokens[-1]}"] = 1.0
    if tokens and f"{t}:first={tokens[0]}" in words:
        features[f"{t}:first={tokens[0]}"] = 1.0
    return features


def common_words(names: Iterable[tuple[str, str]], min_uses: int = MIN_WORD_USES) -> frozenset[str]:
    """The first and last words (``"method:last=model"``) of at least ``min_uses`` of the
    (type, name) pairs given."""
    counts: dict[str, int] = defaultdict(int)
    for concept_type, name in names:
        tokens = _words(name)
        if tokens:
            counts[f"{concept_type}:last={tokens[-1]}"] += 1
            counts[f"{concept_type}:first={tokens[0]}"] += 1
    return frozenset(w for w, n in counts.items() if n >= min_uses)


@dataclass
class MentionModel:
    """P(a mention is a concept by the guideline) = sigmoid(bias + sum of feature weights)."""

    weights: dict[str, float]
    bias: float
    words: frozenset[str]

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_dict(self) -> dict[str, Any]:
        return {"bias": round(self.bias, 6), "words": sorted(self.words),
                "weights": {k: round(v, 6) for k, v in sorted(self.weights.items()) if abs(v) >= 1e-6}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MentionModel":
        return cls({str(k): float(v) for k, v in data["weights"].items()}, float(data["bias"]),
                   frozenset(str(w) for w in data["words"]))


#: the L2 penalty of the mention model (0.3 to 3 gave the same cross-validated F1)
L2_PENALTY = 1.0


def fit_model(rows: list[tuple[dict[str, float], bool]], words: frozenset[str], l2: float = L2_PENALTY) -> MentionModel:
    """A logistic regression with an L2 penalty, fitted by L-BFGS on (features, right) pairs."""
    import numpy as np
    from scipy.optimize import minimize

    names = sorted({name for features, _ in rows for name in features})
    index = {name: i for i, name in enumerate(names)}
    x = np.zeros((len(rows), len(names)))
    for r, (features, _) in enumerate(rows):
        for name, value in features.items():
            x[r, index[name]] = value
    y = np.array([float(right) for _, right in rows])

    def loss(w):
        z = np.clip(x @ w[:-1] + w[-1], -30, 30)
        p = 1.0 / (1.0 + np.exp(-z))
        value = -np.sum(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)) + l2 * np.sum(w[:-1] ** 2)
        grad = np.append(x.T @ (p - y) + 2 * l2 * w[:-1], np.sum(p - y))
        return value, grad

    fitted = minimize(loss, np.zeros(len(names) + 1), jac=True, method="L-BFGS-B").x
    return MentionModel({n: float(fitted[i]) for n, i in index.items()}, float(fitted[-1]), words)


@dataclass(frozen=True)
class Outcome:
    """One predicted concept of an annotated paper, and whether the annotators had it."""

    type: str
    name: str
    forms: tuple[str, ...]
    sources: tuple[str, ...]
    text: str  # the paper's extraction input: title, line break, abstract
    proposed: bool
    broad: bool
    right: bool

    def features(self, words: frozenset[str]) -> dict[str, float]:
        return mention_features(self.type, self.name, self.forms, self.sources, text=self.text,
                                proposed=self.proposed, broad=self.broad, words=words)


def fit_with_model(outcomes: Iterable[Outcome], l2: float = L2_PENALTY) -> dict[str, Any]:
    """The calibration table of :func:`fit` and, under ``"model"``, the mention model fitted on
    the same predictions."""
    outcomes = list(outcomes)
    table = fit((o.type, list(o.sources), o.right) for o in outcomes)
    words = common_words((o.type, o.name) for o in outcomes)
    model = fit_model([(o.features(words), o.right) for o in outcomes], words, l2)
    table["model"] = {"about": "logistic regression over mention features (kg.extraction.calibration."
                               "mention_features), fitted on the same out-of-fold predictions",
                      "l2": l2, **model.to_dict()}
    return table
