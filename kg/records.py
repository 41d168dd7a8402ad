"""Plain records that move forward through the data flow.

sources -> :class:`Paper` -> extraction -> :class:`PaperExtraction` (typed :class:`Mention` s)
-> concepts -> :class:`ConceptIndex` -> graph -> analytics -> sinks.

Every stage takes the previous stage's records and knows nothing of later stages.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
import types
import typing
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any

from kg.schema import CONCEPT_LABELS, CONCEPT_TYPES  # noqa: F401  (re-exported: records name them)
from kg.text import safe_text

#: plural keys of the extraction contract (DESIGN.md) for each concept type
CONTRACT_KEYS: dict[str, str] = {t: t + "s" for t in CONCEPT_TYPES}


#: symbols that tell titles apart ("C++" and "C#", "P = NP" and "P ≠ NP"), kept in the key as
#: words of their own (so "Image+Text" and "Image + Text" agree); other punctuation is spacing
_TITLE_SYMBOLS = "+#=<>≤≥≠"
_NOT_KEPT = re.compile(rf"[^\w\s{re.escape(_TITLE_SYMBOLS)}]")
_KEPT = re.compile(rf"[{re.escape(_TITLE_SYMBOLS)}]")


def normalise_title(title: str) -> str:
    """Lower-case, accent-folded title without punctuation but for :data:`_TITLE_SYMBOLS`,
    used to spot duplicate papers."""
    # "≠" decomposes to "=" and a combining stroke, which the accent folding would drop
    text = unicodedata.normalize("NFKD", title.replace("≠", "\uf8ff"))
    # accents and the zero-width (non-)joiners, which change no letter, do not tell titles apart
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and ch not in "\u200c\u200d")
    text = text.replace("\uf8ff", "≠").lower()
    text = _KEPT.sub(r" \g<0> ", _NOT_KEPT.sub(" ", text))
    return " ".join(text.split())


def paper_id_for(title: str, arxiv_id: str | None = None) -> str:
    """Stable paper id: the arXiv id when known, else a short hash of the normalised title."""
    if arxiv_id:
        return arxiv_id
    return hashlib.sha1(normalise_title(title).encode("utf-8")).hexdigest()[:12]


_ARXIV_NEW_STYLE = re.compile(r"^(\d{2})(0[1-9]|1[0-2])\.\d{4,5}$")
_ARXIV_OLD_STYLE = re.compile(r"^[a-z][a-z\-]+(?:\.[A-Z]{2})?/(\d{2})(0[1-9]|1[0-2])\d{3}$")


def arxiv_id_month(arxiv_id: str | None) -> tuple[int, int] | None:
    """(year, month) an arXiv id encodes (``2301.08243`` -> (2023, 1)), or None.

    New-style ids (from April 2007) are ``YYMM.NNNNN``; old-style ids (``hep-th/9901001``)
    carry ``YYMM`` after the slash, 91-99 meaning the 1990s.
    """
    if not arxiv_id:
        return None
    match = _ARXIV_NEW_STYLE.match(arxiv_id) or _ARXIV_OLD_STYLE.match(arxiv_id)
    if not match:
        return None
    yy, month = int(match.group(1)), int(match.group(2))
    year = 1900 + yy if match.re is _ARXIV_OLD_STYLE and yy >= 91 else 2000 + yy
    return year, month


@dataclass(slots=True)
class Paper:
    """One paper record as a source reads it."""

    title: str
    abstract: str = ""
    id: str = ""
    published: str | None = None  # ISO date (YYYY-MM-DD) when the source gives one
    year: int | None = None
    url: str | None = None
    arxiv_id: str | None = None
    authors: list[str] = field(default_factory=list)
    author_count: int | None = None
    upvotes: int | None = None
    source: str = ""  # file (and line / record) the paper came from
    doi: str | None = None  # lower-case, without the https://doi.org/ prefix
    openalex_id: str | None = None  # "W2741809807"
    venue: str | None = None  # journal, conference or repository the source names
    #: works this paper cites, as arXiv ids, DOIs or OpenAlex ids (kg.graph resolves them)
    references: list[str] = field(default_factory=list)
    #: code and project pages the source lists for the paper
    links: list[str] = field(default_factory=list)
    month: str | None = None  # "YYYY-MM", for trends by month

    def __post_init__(self) -> None:
        # Whatever a source holds, a Paper's text is safe to encode, write as XML and print.
        self.title, self.abstract = safe_text(self.title), safe_text(self.abstract)
        self.source = safe_text(self.source)
        self.url = safe_text(self.url) if self.url else self.url
        self.authors = [safe_text(name) for name in self.authors]
        self.doi, self.venue = (safe_text(v) if v else v for v in (self.doi, self.venue))
        self.references = [safe_text(work) for work in self.references]
        self.links = [safe_text(link) for link in self.links]
        if not self.id:
            self.id = paper_id_for(self.title, self.arxiv_id)
        if self.year is None and self.published:
            match = re.match(r"(\d{4})", self.published)
            if match:
                self.year = int(match.group(1))
        if self.month is None and self.published:
            match = re.match(r"(\d{4})-(\d{2})", self.published)
            if match:
                self.month = f"{match.group(1)}-{match.group(2)}"
        # A new-style arXiv id starts with the year and month of its first version: a date
        # for papers whose source gives none (and a month for those that give only a year).
        from_id = arxiv_id_month(self.arxiv_id)
        if from_id and self.year in (None, from_id[0]):
            self.year = from_id[0]
            self.month = self.month or f"{from_id[0]:04d}-{from_id[1]:02d}"

    @property
    def text(self) -> str:
        """Title and abstract as one text, the input of extraction."""
        title = self.title.strip()
        if title and title[-1] not in ".?!":
            title += "."
        return f"{title}\n{self.abstract.strip()}".strip()


@dataclass(slots=True)
class Mention:
    """One concept as one paper mentions it (the extraction contract's concept entry)."""

    type: str  # one of CONCEPT_TYPES
    name: str  # preferred surface form in this paper (long form when an acronym is defined)
    aliases: list[str] = field(default_factory=list)
    proposed: bool = False
    broad: bool = False
    value: str | None = None  # metrics only: the reported value, e.g. "0.945" or "92.7%"
    evidence: str = ""
    confidence: float = 0.5
    #: the extractor components that found it, and "repeated" when found in two places or more
    sources: list[str] = field(default_factory=list)
    #: aliases that are more specific variants folded into this concept in this paper
    #: ("multimodal contrastive learning" beside "contrastive learning"): they name this concept
    #: here, but canonicalisation does not merge them into it across papers
    variants: list[str] = field(default_factory=list)

    def to_contract(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "aliases": list(self.aliases)}
        if self.variants:
            out["variants"] = list(self.variants)
        if self.type == "method":
            out["proposed"] = self.proposed
        if self.type in ("method", "task"):
            out["broad"] = self.broad
        if self.type == "metric":
            out["value"] = self.value
        out["evidence"] = self.evidence
        out["confidence"] = round(self.confidence, 3)
        return out


#: the kinds of a reported result: an absolute value of its metric, or a change against something
RESULT_KINDS: tuple[str, ...] = ("score", "gain")


@dataclass(slots=True)
class Result:
    """One quantitative result a paper reports (``RESULTS-GUIDELINE.md``): "92.7% top-1 accuracy
    on ImageNet" is metric "top-1 accuracy", value "92.7%", kind "score", dataset "ImageNet".

    ``metric``, ``dataset``, ``method`` and ``task`` are surface forms as the paper writes them;
    where they name one of the paper's concept mentions, the graph links the result to it.
    """

    value: str
    metric: str | None = None
    kind: str = "score"  # one of RESULT_KINDS
    dataset: str | None = None
    method: str | None = None
    task: str | None = None
    evidence: str = ""

    def to_contract(self) -> dict[str, Any]:
        return {
            "metric": self.metric, "value": self.value, "kind": self.kind, "dataset": self.dataset,
            "method": self.method, "task": self.task, "evidence": self.evidence,
        }

    @classmethod
    def from_contract(cls, data: dict[str, Any]) -> "Result":
        """The inverse of :meth:`to_contract` (unknown keys are ignored)."""
        def text(key: str) -> str | None:
            value = data.get(key)
            return safe_text(str(value)) if value not in (None, "") else None

        kind = data.get("kind")
        return cls(
            value=text("value") or "", metric=text("metric"),
            kind=kind if kind in RESULT_KINDS else "score", dataset=text("dataset"),
            method=text("method"), task=text("task"), evidence=text("evidence") or "",
        )


@dataclass(slots=True)
class PaperExtraction:
    """Everything extraction found in one paper."""

    paper: Paper
    mentions: list[Mention] = field(default_factory=list)
    repos: list[str] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    #: why the pipeline failed on this paper's text, when it did: the paper is kept with its
    #: code links and no concepts, and the extraction is never cached
    failed: str | None = None
    #: concepts found beyond the most a paper keeps (kg.extraction.MAX_CONCEPTS_PER_PAPER)
    concepts_left_out: int = 0
    #: results reported beyond the most a paper keeps (kg.extraction.MAX_RESULTS_PER_PAPER)
    results_left_out: int = 0

    def to_dict(self, include_paper: bool = True) -> dict[str, Any]:
        """Every field as plain JSON values (the extraction cache's and the workers' form);
        ``include_paper=False`` leaves out the paper, which the reader already holds."""
        data = record_to_dict(self)
        if not include_paper:
            del data["paper"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], paper: Paper | None = None) -> PaperExtraction:
        """The inverse of :meth:`to_dict`; ``paper`` stands in for a left-out paper. Raises
        ``ValueError`` or ``TypeError`` on data that is not a whole extraction."""
        if paper is not None:
            data = {**data, "paper": paper}
        return record_from_dict(cls, data)

    def of_type(self, concept_type: str) -> list[Mention]:
        return [m for m in self.mentions if m.type == concept_type]

    def to_contract(self, include_broad: bool = True) -> dict[str, Any]:
        """The JSONL line of DESIGN.md's extraction output contract."""
        out: dict[str, Any] = {"id": self.paper.id, "title": self.paper.title}
        for concept_type, key in CONTRACT_KEYS.items():
            out[key] = [
                m.to_contract() for m in self.of_type(concept_type) if include_broad or not m.broad
            ]
        out["repos"] = list(self.repos)
        out["results"] = [r.to_contract() for r in self.results]
        return out


@dataclass(slots=True)
class Concept:
    """One canonical concept node shared by every paper that mentions it."""

    id: str  # "<type>:<normalised canonical name>"
    type: str
    name: str
    aliases: list[str] = field(default_factory=list)
    broad: bool = False
    paper_ids: list[str] = field(default_factory=list)
    #: why each surface form was merged into this concept: {surface form: reason}
    merged: dict[str, str] = field(default_factory=dict)

    @property
    def paper_count(self) -> int:
        return len(self.paper_ids)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["paper_count"] = self.paper_count
        return data


@dataclass(slots=True)
class ConceptLink:
    """A paper -> concept relationship after canonicalisation."""

    paper_id: str
    concept_id: str
    relation: str  # PROPOSES, USES, EVALUATES_ON, REPORTS, ADDRESSES
    evidence: str = ""
    confidence: float = 0.5
    value: str | None = None


@dataclass
class ConceptIndex:
    """Output of the concepts stage: canonical concepts and every paper's links to them."""

    concepts: dict[str, Concept] = field(default_factory=dict)
    links: list[ConceptLink] = field(default_factory=list)


# --------------------------------------------------------------------------- plain-dict form

# One generic round trip over the dataclasses' own fields and type hints, so that a field added
# to a record (PaperExtraction.results, say) is serialised without touching this code.


def record_to_dict(record: Any) -> dict[str, Any]:
    """A record (dataclass) as a dict of JSON values, nested records included, every field."""
    return {f.name: _plain(getattr(record, f.name)) for f in fields(record)}


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return record_to_dict(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def record_from_dict(cls: type, data: Any) -> Any:
    """The record of class ``cls`` that :func:`record_to_dict` gave ``data``. An unknown or
    missing field, or a value of the wrong kind, raises ``ValueError`` (``TypeError`` from the
    constructor): a damaged dict never becomes a half record."""
    if isinstance(data, cls):
        return data
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    readers = _field_readers(cls)
    unknown = set(data) - set(readers)
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown field(s) {', '.join(sorted(unknown))}")
    return cls(**{name: readers[name](value, f"{cls.__name__}.{name}") for name, value in data.items()})


@functools.lru_cache(maxsize=None)
def _field_hints(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in fields(cls) if f.init}


@functools.lru_cache(maxsize=None)
def _field_readers(cls: type) -> dict[str, Callable[[Any, str], Any]]:
    return {name: _reader(hint) for name, hint in _field_hints(cls).items()}


_SCALARS = {str: (str,), int: (int,), float: (float, int), bool: (bool,)}
#: strings read back up to this length are interned (not evidence sentences, which rarely repeat)
_INTERNED_LENGTH = 60


@functools.lru_cache(maxsize=None)
def _reader(hint: Any) -> Callable[[Any, str], Any]:
    """The function that reads a value of ``hint`` (nested records built, lists and dicts checked
    item by item, scalars checked: ValueError naming ``where`` when a value is of the wrong
    kind), made once per hint: reading a 100k-paper cache calls it millions of times, and
    looking at the hint each time was most of the cost."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        optional = type(None) in args
        options = [a for a in args if a is not type(None)]
        inner = _reader(options[0]) if len(options) == 1 else None

        def read_union(value: Any, where: str) -> Any:
            if value is None and optional:
                return None
            if inner is None:
                raise ValueError(f"{where}: cannot read a value of {hint}")
            return inner(value, where)

        return read_union
    if is_dataclass(hint):
        return lambda value, where: record_from_dict(hint, value)
    if origin in (list, tuple):
        item_reader = _reader(args[0]) if args else None

        def read_sequence(value: Any, where: str) -> Any:
            if not isinstance(value, list):
                raise ValueError(f"{where}: expected a list")
            items = [item_reader(item, where) for item in value] if item_reader else list(value)
            return items if origin is list else tuple(items)

        return read_sequence
    if origin is dict:
        value_reader = _reader(args[1]) if args else None

        def read_mapping(value: Any, where: str) -> Any:
            if not isinstance(value, dict):
                raise ValueError(f"{where}: expected an object")
            return {key: value_reader(item, where) for key, item in value.items()} if value_reader else dict(value)

        return read_mapping
    if hint is Any:
        return lambda value, where: value
    allowed = _SCALARS.get(hint)

    def read_scalar(value: Any, where: str) -> Any:
        # bool is an int in Python; a count or a flag of the other kind is damage all the same
        if allowed is None or not isinstance(value, allowed) or (hint is not bool and isinstance(value, bool)):
            raise ValueError(f"{where}: expected {getattr(hint, '__name__', hint)}, got {type(value).__name__}")
        if hint is str and len(value) <= _INTERNED_LENGTH:
            # types, sources and concept names repeat across a build's papers: one copy each
            return sys.intern(value)
        return float(value) if hint is float else value

    return read_scalar
