"""Score extractions against gold annotations, with the worst misses and false positives.

The matching rules are those of the shared reference scorer (``shared/eval/score.py``), which
stays the reference: papers pair up by normalised title; a predicted concept matches a gold one of
the same type when any of their surface forms (name or aliases) agree after normalisation (case,
hyphens, punctuation, a plural "s"); each gold concept matches at most one prediction; predictions
that match only a gold concept marked ``broad`` neither gain nor cost.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
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
    # score.py's re.sub(r"(\.git)?/*$", "", url), without its backtracking: the regex tries
    # the slashes from every slash on (a URL of 20,000 slashes: over a second)
    url = url.rstrip("/")
    return url[:-4] if url.endswith(".git") else url


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
    # score.py's greedy matching (each prediction takes the first unused gold concept sharing a
    # form), through an index of forms so that a paper with thousands of concepts stays linear:
    # the gold concepts of each form in order, and a cursor past the used ones
    by_form: dict[str, list[int]] = {}
    for i, (forms, _) in enumerate(gold_forms):
        for form in forms:
            by_form.setdefault(form, []).append(i)
    cursor = dict.fromkeys(by_form, 0)
    broad_forms = {form for forms, broad in gold_forms if broad for form in forms}
    used = [False] * len(gold)
    counts = Counts()
    false_positives = []
    for p in pred:
        forms = surface_forms(p)
        if not forms:
            continue
        hit = None
        for form in forms & by_form.keys():
            indices, at = by_form[form], cursor[form]
            while at < len(indices) and used[indices[at]]:
                at += 1
            cursor[form] = at
            if at < len(indices) and (hit is None or indices[at] < hit):
                hit = indices[at]
        if hit is None:
            if not forms & broad_forms:
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


def _record_problem(record: Any) -> str | None:
    """Why a gold or predicted record cannot be scored, or None: the extraction contract's shape
    (a title; each concept list a list of names or of objects with a text name and a list of
    text aliases; repos a list of URLs)."""
    if not isinstance(record, dict):
        return "expected a JSON object"
    title = record.get("title")
    if not isinstance(title, str) or not eval_norm(title):
        return "no title (papers are paired by title)"
    for concept_type in CONTRACT_TYPES:
        concepts = record.get(concept_type)
        if concepts is None:
            continue
        if not isinstance(concepts, list):
            return f'"{concept_type}" is not a list'
        for number, concept in enumerate(concepts, 1):
            if isinstance(concept, str):
                continue
            if not isinstance(concept, dict) or not isinstance(concept.get("name"), str):
                return f'{concept_type} item {number} has no text "name"'
            if not _texts_or_none(concept.get("aliases")):
                return f'{concept_type} item {number}: "aliases" is not a list of texts'
    if not _texts_or_none(record.get("repos")):
        return '"repos" is not a list of URLs'
    return None


def _texts_or_none(value: Any) -> bool:
    """Whether ``value`` is absent or a list of texts."""
    return value is None or (isinstance(value, list) and all(isinstance(item, str) for item in value))


def read_jsonl(path: Path, warn: Callable[[str], None] | None = None) -> dict[str, dict[str, Any]]:
    """Records of a JSONL file (plain, or compressed with gzip, bzip2 or xz) keyed by normalised
    title. A line that is not JSON, or a record in the wrong shape, is left out, and a record
    whose title repeats an earlier one replaces it as in the reference scorer, each with a note
    to ``warn`` naming the line; a file that cannot be read as UTF-8 text raises ValueError
    naming it."""
    from kg.sources.base import SourceError, input_bytes

    records: dict[str, dict[str, Any]] = {}
    lines_of: dict[str, int] = {}
    try:
        # unpacked as kg unpacks its inputs; lines split as open() splits them (a U+2028 inside a
        # JSON string ends no line)
        lines = list(io.StringIO(input_bytes(Path(path)).decode("utf-8"), newline=None))
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except SourceError as err:
        raise ValueError(str(err).rstrip(".")) from None
    except OSError as err:
        raise ValueError(f"Cannot read {path}: {err.strerror}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.removeprefix("\ufeff") if number == 1 else line)
        except (ValueError, RecursionError) as err:
            # ValueError beyond JSONDecodeError: a number of more digits than Python converts
            why = getattr(err, "msg", None) or ("nested too deeply" if isinstance(err, RecursionError)
                                                else "a number of more digits than Python reads")
            problem: str | None = f"not JSON ({why})"
        else:
            problem = _record_problem(record)
        if problem is not None:
            if warn is not None:
                warn(f"{path}:{number}: {problem}; record left out")
            continue
        key = title_key(record)
        if key in records and warn is not None:
            warn(f"{path}:{number}: the same title as line {lines_of[key]}, which it replaces")
        records[key], lines_of[key] = record, number
    return records


def _name(concept: dict[str, Any] | str) -> str:
    return concept if isinstance(concept, str) else concept.get("name", "")


def _evidence(concept: dict[str, Any] | str) -> str:
    evidence = "" if isinstance(concept, str) else concept.get("evidence")
    return evidence if isinstance(evidence, str) else ""


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
            report.errors += [ErrorCase("miss", concept_type, _name(m), title) for m in misses]
            report.errors += [
                ErrorCase("false positive", concept_type, _name(f), title, _evidence(f)) for f in fps
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
