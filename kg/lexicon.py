"""The curated word resources shipped in ``pipelines/``: gazetteer, generic words, typing heads.

They are data, not code: edit the files under ``pipelines/gazetteer`` and ``pipelines/lexicon`` to
change what kg recognises, merges or ignores.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from kg.records import CONCEPT_TYPES
from kg.text import concept_key


@dataclass(frozen=True)
class GazetteerEntry:
    type: str
    name: str
    aliases: tuple[str, ...] = ()
    broad: bool = False
    #: aliases that also name another concept ("MAE"): matched only when the text defines them
    ambiguous: tuple[str, ...] = ()
    #: names that are also English words ("Adam", "Whisper"): matched only as written
    case_sensitive: bool = False

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass
class Lexicon:
    entries: list[GazetteerEntry] = field(default_factory=list)
    generic: frozenset[str] = frozenset()  # concept keys that never become concepts
    heads: dict[str, str] = field(default_factory=dict)  # head word -> concept type

    def by_key(self) -> dict[tuple[str, str], GazetteerEntry]:
        """``(type, concept_key(form)) -> entry`` for every unambiguous form."""
        table: dict[tuple[str, str], GazetteerEntry] = {}
        for entry in self.entries:
            for form in entry.forms:
                if form not in entry.ambiguous:
                    table.setdefault((entry.type, concept_key(form)), entry)
        return table

    def is_generic(self, surface: str) -> bool:
        return concept_key(surface) in self.generic


def _resource(path: str | Path | None, default: str) -> Traversable | Path:
    if path:
        return Path(path)
    return resources.files("kg.pipelines").joinpath(default)


def _read_lines(resource: Traversable | Path) -> list[str]:
    if not resource.is_file():
        return []
    lines = []
    for line in resource.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip() if not line.startswith("#") else ""
        if line:
            lines.append(line)
    return lines


def _text_field(row: dict, key: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key!r} must be a non-empty string")
    return value


def _texts_field(row: dict, key: str) -> tuple[str, ...]:
    """A list of strings (absent or null: none); a lone string would split into letters."""
    value = row.get(key) or []
    if not isinstance(value, list) or not all(isinstance(one, str) and one.strip() for one in value):
        raise ValueError(f"{key!r} must be a list of non-empty strings")
    return tuple(value)


def read_gazetteer(directory: str | Path | None = None) -> list[GazetteerEntry]:
    """Entries of ``<directory>/{methods,datasets,metrics,tasks}.jsonl`` (default: shipped)."""
    base = _resource(directory, "gazetteer")
    entries: list[GazetteerEntry] = []
    for concept_type in CONCEPT_TYPES:
        resource = base.joinpath(f"{concept_type}s.jsonl")
        if not resource.is_file():
            continue
        for number, line in enumerate(resource.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("not a JSON object")
                entries.append(
                    GazetteerEntry(
                        type=concept_type,
                        name=_text_field(row, "name"),
                        aliases=_texts_field(row, "aliases"),
                        broad=bool(row.get("broad", False)),
                        ambiguous=_texts_field(row, "ambiguous_aliases"),
                        case_sensitive=bool(row.get("case_sensitive", False)),
                    )
                )
            except (ValueError, KeyError, TypeError) as err:
                raise ValueError(f"{resource}:{number}: bad gazetteer entry ({err})") from err
    return entries


@lru_cache(maxsize=4)
def load_lexicon(directory: str | None = None) -> Lexicon:
    """The shipped (or a user's) gazetteer, generic-word list and typing heads."""
    base = Path(directory) if directory else None
    if base is not None and not base.is_dir():
        # a misspelt folder would give a pipeline without lists, silently finding less
        raise ValueError(f"the lexicon folder {base} does not exist")
    generic = frozenset(
        concept_key(w) for w in _read_lines(_resource(base and base / "lexicon/generic.txt", "lexicon/generic.txt"))
    )
    heads: dict[str, str] = {}
    for line in _read_lines(_resource(base and base / "lexicon/heads.tsv", "lexicon/heads.tsv")):
        parts = line.split("\t")
        if len(parts) >= 2 and parts[1].strip() in CONCEPT_TYPES:
            heads[parts[0].strip().lower()] = parts[1].strip()
    entries = read_gazetteer(base / "gazetteer" if base else None)
    return Lexicon(entries=entries, generic=generic, heads=heads)


@lru_cache(maxsize=4)
def metric_directions(path: str | None = None) -> dict[str, str]:
    """``{term: "lower" | "higher"}`` from ``lexicon/metric_direction.tsv`` (or ``path``)."""
    table: dict[str, str] = {}
    for line in _read_lines(_resource(path, "lexicon/metric_direction.tsv")):
        parts = line.split("\t")
        if len(parts) >= 2 and parts[1].strip() in ("lower", "higher"):
            table[" ".join(_metric_words(parts[0]))] = parts[1].strip()
    return table


def _metric_words(text: str) -> list[str]:
    return [w for w in re.split(r"[^\w]+", text.lower().replace("-", " ")) if w]


def lower_is_better(metric: str | None, path: str | None = None) -> bool:
    """Whether a smaller value of ``metric`` is the better score (WER, FID, perplexity,
    latency ...), by its last word, else by the longest term of the table it contains."""
    if not metric:
        return False
    table = metric_directions(path)
    words = _metric_words(metric)
    if not words:
        return False
    for size in range(min(4, len(words)), 0, -1):
        tail = " ".join(words[-size:])
        if tail in table:
            return table[tail] == "lower"
    text = f" {' '.join(words)} "
    for term in sorted(table, key=len, reverse=True):
        if f" {term} " in text:
            return table[term] == "lower"
    return False
