"""Score extractions against gold annotations, with the worst misses and false positives.

The matching rules are those of the shared reference scorer (``shared/eval/score.py``), which
stays the reference: papers pair up by normalised title; a predicted concept matches a gold one of
the same type when any of their surface forms (name or aliases) agree after normalisation (case,
hyphens, punctuation, a plural "s"); each gold concept matches at most one prediction; predictions
that match only a gold concept marked ``broad`` neither gain nor cost.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.records import CONTRACT_KEYS

CONTRACT_TYPES = tuple(CONTRACT_KEYS.values())


def eval_norm(text: str) -> str:
    """The reference scorer's normalisation of one surface form."""
    text = unicodedata.normalize("NFKC", text).lower().strip()
    text = re.sub(r"[-_/–—]", " ", text)
    text = re.sub(r"[^\w\s+#@.]", "", text)
    text = re.sub(r"(?<!\d)\.(?!\d)", "", text)
    words = text.split()
    if words and words[0] == "the":
        words = words[1:]
    if words:
        last = words[-1]
        if last.endswith("ies") and len(last) > 4:
            words[-1] = last[:-3] + "y"
        elif last.endswith("s") and not last.endswith("ss") and len(last) > 3:
            words[-1] = last[:-1]
    return " ".join(words)


def surface_forms(concept: dict[str, Any] | str) -> set[str]:
    if isinstance(concept, str):
        concept = {"name": concept}
    names = [concept.get("name") or "", *(concept.get("aliases") or [])]
    return {eval_norm(n) for n in names if n and eval_norm(n)}


def url_key(url: str) -> str:
    url = url.strip().rstrip(".,;)}]").lower()
    url = re.sub(r"^http://", "https://", url)
    return re.sub(r"(\.git)?/*$", "", url)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "Counts") -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class ErrorCase:
    kind: str  # "miss" or "false positive"
    type: str
    name: str
    title: str
    evidence: str = ""


@dataclass
class Report:
    rows: dict[str, Counts] = field(default_factory=dict)
    errors: list[ErrorCase] = field(default_factory=list)
    papers_gold: int = 0
    papers_found: int = 0


def match_concepts(
    gold: list[dict[str, Any]], pred: list[dict[str, Any]]
) -> tuple[Counts, list[dict[str, Any]], list[dict[str, Any]]]:
    """Counts, unmatched non-broad gold concepts and unmatched predictions of one paper."""
    gold_forms = [(surface_forms(g), bool(isinstance(g, dict) and g.get("broad"))) for g in gold]
    used = [False] * len(gold)
    counts = Counts()
    false_positives = []
    for p in pred:
        forms = surface_forms(p)
        if not forms:
            continue
        hit = next((i for i, (g, _) in enumerate(gold_forms) if not used[i] and g & forms), None)
        if hit is None:
            if not any(g & forms for g, broad in gold_forms if broad):
                counts.fp += 1
                false_positives.append(p)
            continue
        used[hit] = True
        if not gold_forms[hit][1]:
            counts.tp += 1
    misses = [gold[i] for i, (_, broad) in enumerate(gold_forms) if not used[i] and not broad]
    counts.fn = len(misses)
    return counts, misses, false_positives


def title_key(record: dict[str, Any]) -> str:
    return eval_norm(record.get("title", ""))


def read_jsonl(path: Path) -> dict[str, dict[str, Any]]:
    """Records of a JSONL file keyed by normalised title; ValueError names the bad line."""
    records = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as err:
                    raise ValueError(f"{path}:{number}: not JSON ({err.msg})") from None
                if not isinstance(record, dict):
                    raise ValueError(f"{path}:{number}: expected a JSON object")
                records[title_key(record)] = record
    return records


def evaluate(gold: dict[str, dict[str, Any]], pred: dict[str, dict[str, Any]]) -> Report:
    report = Report(rows={k: Counts() for k in (*CONTRACT_TYPES, "repos", "any type", "concepts")})
    report.papers_gold = len(gold)
    for key, g in gold.items():
        p = pred.get(key) or {}
        report.papers_found += bool(key in pred)
        for concept_type in CONTRACT_TYPES:
            counts, misses, fps = match_concepts(g.get(concept_type) or [], p.get(concept_type) or [])
            report.rows[concept_type].add(counts)
            report.rows["concepts"].add(counts)
            title = g.get("title", "")
            report.errors += [ErrorCase("miss", concept_type, m.get("name", ""), title) for m in misses]
            report.errors += [
                ErrorCase("false positive", concept_type, f.get("name", ""), title, f.get("evidence", ""))
                for f in fps
            ]
        all_gold = [c for t in CONTRACT_TYPES for c in g.get(t) or []]
        all_pred = [c for t in CONTRACT_TYPES for c in p.get(t) or []]
        report.rows["any type"].add(match_concepts(all_gold, all_pred)[0])
        gold_urls = {url_key(u) for u in g.get("repos") or []}
        pred_urls = {url_key(u) for u in p.get("repos") or []}
        report.rows["repos"].add(
            Counts(len(gold_urls & pred_urls), len(pred_urls - gold_urls), len(gold_urls - pred_urls))
        )
    return report


def worst_errors(report: Report, kind: str, limit: int = 15) -> list[tuple[ErrorCase, int]]:
    """Most frequent errors of one kind (by normalised name and type), each with its count."""
    counts: Counter[tuple[str, str]] = Counter()
    example: dict[tuple[str, str], ErrorCase] = {}
    for error in report.errors:
        if error.kind == kind:
            key = (error.type, eval_norm(error.name))
            counts[key] += 1
            example.setdefault(key, error)
    return [(example[key], n) for key, n in counts.most_common(limit)]
