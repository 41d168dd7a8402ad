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
"""

from __future__ import annotations

import json
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

    def confidence(self, concept_type: str, sources: Iterable[str]) -> float | None:
        """Calibrated confidence of a mention, or None when nothing is known of its type."""
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
                       {k: float(v["confidence"]) for k, v in data["types"].items()})
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
