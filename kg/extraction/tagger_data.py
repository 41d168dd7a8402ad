"""Training data for the learned concept tagger: guideline annotations -> spaCy ``Doc`` s.

The annotations of ``kg-train`` (and any gold file of the extraction contract's shape) list each
paper's concepts by surface form, not by position. Every occurrence of every surface form in the
paper's text becomes an entity labelled with the concept's type. Overlaps are settled the way a
reader would: the longest form wins ("sparse autoencoder features" before "sparse autoencoder"),
then the earlier one.

The text is built exactly as extraction builds it (:attr:`kg.records.Paper.text`), so the
tagger learns on the tokens it will see at prediction time.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from kg.records import CONCEPT_TYPES, CONTRACT_KEYS, Paper

#: entity labels of the tagger, one per concept type
TAGGER_LABELS: dict[str, str] = {t: t.upper() for t in CONCEPT_TYPES}


@dataclass
class ConversionStats:
    docs: int = 0
    entities: int = 0
    #: occurrences dropped because they cut through a token ("ECG" inside "ECGs")
    misaligned: int = 0
    #: surface forms not found in the text at all
    unfound: int = 0

    def add(self, other: "ConversionStats") -> None:
        for name in ("docs", "entities", "misaligned", "unfound"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def paper_of(record: dict[str, Any]) -> Paper:
    """The :class:`Paper` of an annotated record (title and abstract as annotated)."""
    return Paper(title=str(record.get("title") or ""), abstract=str(record.get("abstract") or ""),
                 id=str(record.get("id") or ""))


def surface_forms(record: dict[str, Any]) -> list[tuple[str, str]]:
    """(surface form, concept type) of every annotated concept of a record."""
    forms: list[tuple[str, str]] = []
    for concept_type in CONCEPT_TYPES:
        for concept in record.get(CONTRACT_KEYS[concept_type]) or []:
            names = [concept.get("name")] + list(concept.get("aliases") or [])
            forms.extend((name, concept_type) for name in names if isinstance(name, str) and name.strip())
    return forms


def occurrences(text: str, forms: Iterable[tuple[str, str]]) -> tuple[list[tuple[int, int, str]], int]:
    """Character spans of every whole-word, case-insensitive occurrence of each form.

    Returns the non-overlapping spans (longest first, then leftmost) and the number of forms
    that occur nowhere in the text.
    """
    found: list[tuple[int, int, str]] = []
    unfound = 0
    for form, concept_type in forms:
        pattern = re.compile(r"(?<!\w)" + re.escape(form.strip()) + r"(?!\w)", re.IGNORECASE)
        hits = [(m.start(), m.end(), concept_type) for m in pattern.finditer(text)]
        unfound += not hits
        found.extend(hits)
    found.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
    chosen: list[tuple[int, int, str]] = []
    for start, end, concept_type in found:
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, concept_type))
    return sorted(chosen), unfound


def annotated_doc(nlp: Language, record: dict[str, Any]) -> tuple[Doc, ConversionStats]:
    """A reference ``Doc`` of one annotated record, entities set from its surface forms."""
    text = paper_of(record).text
    doc = nlp.make_doc(text)
    spans, unfound = occurrences(text, surface_forms(record))
    stats = ConversionStats(docs=1, unfound=unfound)
    ents: list[Span] = []
    for start, end, concept_type in spans:
        span = doc.char_span(start, end, label=TAGGER_LABELS[concept_type])
        if span is None:
            stats.misaligned += 1
            continue
        ents.append(span)
    doc.ents = ents
    stats.entities = len(ents)
    return doc, stats


#: SciERC's bracket and quote tokens, as the characters they stand for
_PTB_TOKENS = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}",
               "``": '"', "''": '"'}
_NO_SPACE_BEFORE = re.compile(r"^(?:[,.;:?!%)\]}]|'s|n't|'re|'ve|'ll|'d|'m)$", re.IGNORECASE)


def scierc_text(sentences: Sequence[Sequence[str]]) -> str:
    """The running text of a SciERC abstract (its tokenised sentences), as a reader writes it.

    SciERC ships tokens in the Penn Treebank's convention ("-LRB- DSP -RRB- ,"); the tagger sees
    papers as written ("(DSP),"), and the silver annotations quote surface forms from this text.
    """
    words = [_PTB_TOKENS.get(token, token) for sentence in sentences for token in sentence]
    out: list[str] = []
    previous = ""
    quote_open = False
    for word in words:
        glue = not out or previous in ("(", "[", "{") or (previous == '"' and quote_open)
        if word == '"':
            glue = glue or quote_open  # a closing quote sticks to the word before it
            quote_open = not quote_open
        elif _NO_SPACE_BEFORE.match(word):
            glue = True
        out.append(word if glue else " " + word)
        previous = word
    return "".join(out)


def save_docbin(doc_bin: DocBin, dest: Path) -> None:
    """Write a training DocBin so that a training run reading it never sees half a file.

    spaCy re-reads its corpus every epoch: the bytes go to a temporary file that is renamed into
    place, and an identical file is left alone.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    data = doc_bin.to_bytes()
    if not dest.exists() or dest.read_bytes() != data:
        tmp = dest.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, dest)


#: concept types whose names are swapped between papers to make synthetic training papers
SWAPPED_TYPES = ("dataset", "metric")


def swapped_names(records: Sequence[dict[str, Any]], copies: int = 1, seed: int = 0,
                  types: Sequence[str] = SWAPPED_TYPES) -> list[dict[str, Any]]:
    """Synthetic training papers for the rare types: each paper that names a dataset or a
    metric, again, with every such concept renamed after one of another paper.

    kg-train has about a hundred datasets and ninety metrics, too few for the tagger to learn
    where a name of these types stands ("we evaluate on X and Y", "X of 0.9"); the same sentences
    with other papers' names teach the context rather than the names. Only the records given are
    drawn from (in cross-validation, the training folds), and the draw is seeded by paper id.
    """
    pools = {t: sorted({str(c["name"]) for r in records for c in r.get(CONTRACT_KEYS[t]) or []
                        if isinstance(c, dict) and isinstance(c.get("name"), str) and c["name"].strip()})
             for t in types}
    synthetic = []
    for record in records:
        concepts = [(t, c) for t in types for c in record.get(CONTRACT_KEYS[t]) or []
                    if isinstance(c, dict) and isinstance(c.get("name"), str) and c["name"].strip()]
        if not concepts:
            continue
        for copy in range(copies):
            rng = random.Random(f"{seed}:{record.get('id')}:{copy}")
            new_of: dict[str, str] = {}  # lower-cased surface form -> new name
            renamed: dict[str, list[dict[str, Any]]] = {t: [] for t in types}
            for concept_type, concept in concepts:
                own = {str(c["name"]).lower() for t, c in concepts if t == concept_type}
                choices = [n for n in pools[concept_type] if n.lower() not in own]
                if not choices:
                    continue
                new = rng.choice(choices)
                forms = [concept["name"], *(a for a in concept.get("aliases") or [] if isinstance(a, str))]
                for form in forms:
                    new_of.setdefault(form.strip().lower(), new)
                renamed[concept_type].append({"name": new, "aliases": [], "broad": bool(concept.get("broad"))})
            if not new_of:
                continue
            pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(f) for f in sorted(new_of, key=len, reverse=True))
                                 + r")(?!\w)", re.IGNORECASE)
            swap = lambda m: new_of[m.group(0).lower()]  # noqa: E731
            synthetic.append({
                **record,
                "id": f"{record.get('id')}#swap{copy}",
                "title": pattern.sub(swap, str(record.get("title") or "")),
                "abstract": pattern.sub(swap, str(record.get("abstract") or "")),
                **{CONTRACT_KEYS[t]: renamed[t] for t in types},
            })
    return synthetic


def silver_records(annotations: Path, scierc_dir: Path) -> list[dict[str, Any]]:
    """Training records annotated under kg's guideline outside kg-train (silver data).

    A record either carries its own ``title`` and ``abstract`` (papers written for kg's
    training set) or names a SciERC abstract by its ``doc_key`` (as ``scierc``) and holds no
    text: that text is SciERC's own (``train.json`` and ``dev.json`` of ``scierc_dir``), written
    out by :func:`scierc_text` as it was when the abstracts were annotated. A key SciERC does not
    have is an error: its annotations would train on nothing.
    """
    sentences: dict[str, list[list[str]]] = {}
    records = []
    with annotations.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            record = json.loads(line)
            key = record.get("scierc")
            if key is None:
                records.append(record)
                continue
            if not sentences:
                sentences = _scierc_sentences(scierc_dir)
            if key not in sentences:
                raise ValueError(f"{annotations}:{lineno}: no SciERC abstract {key!r} in {scierc_dir}")
            records.append({**record, "id": f"scierc:{key}", "title": "", "abstract": scierc_text(sentences[key])})
    return records


def silver_title(record: dict[str, Any]) -> str:
    """The title the shared scorers pair a silver record by: SciERC abstracts have none, so
    their key stands in for it."""
    return f"scierc {record['scierc']}" if record.get("scierc") else str(record.get("title") or "")


def _scierc_sentences(scierc_dir: Path) -> dict[str, list[list[str]]]:
    sentences: dict[str, list[list[str]]] = {}
    for name in ("train.json", "dev.json"):
        with (scierc_dir / name).open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    doc = json.loads(line)
                    sentences[doc["doc_key"]] = doc["sentences"]
    return sentences
