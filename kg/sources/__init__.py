"""The sources stage: paper files in, :class:`~kg.records.Paper` records out.

:func:`read_papers` takes files and directories, works out each file's format (or takes the one
it is given), reads every file with the reader for its format, reports the records it had to
skip, and merges papers that appear more than once. One module per format:

========  =====================================================  ==========================
format    what                                                    module
========  =====================================================  ==========================
hf        Hugging Face papers page saved as text                 :mod:`kg.sources.hf`
json      a list of records, or ``{"papers": [...]}``            :mod:`kg.sources.jsonrec`
jsonl     one JSON record per line                               :mod:`kg.sources.jsonrec`
arxiv     arXiv API Atom XML                                     :mod:`kg.sources.arxiv`
bibtex    BibTeX entries with ``abstract`` fields                :mod:`kg.sources.bibtex`
csv       a header row with ``title`` and ``abstract`` columns   :mod:`kg.sources.csvfile`
========  =====================================================  ==========================

Example::

    >>> result = read_papers(["examples/sample"])          # doctest: +SKIP
    >>> len(result.papers), result.duplicates_merged        # doctest: +SKIP
    (12, 1)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.records import Paper, normalise_title, paper_id_for
from kg.sources.arxiv import read_arxiv
from kg.sources.base import FileResult, SkippedRecord, SourceError
from kg.sources.bibtex import read_bibtex
from kg.sources.csvfile import read_csv
from kg.sources.hf import read_hf
from kg.sources.jsonrec import read_json, read_jsonl

__all__ = [
    "FORMATS",
    "ReadResult",
    "SkippedRecord",
    "SourceError",
    "detect_format",
    "merge_duplicates",
    "read_papers",
]

FORMATS: tuple[str, ...] = ("hf", "json", "jsonl", "arxiv", "bibtex", "csv")

READERS: dict[str, Callable[[Path], FileResult]] = {
    "hf": read_hf,
    "json": read_json,
    "jsonl": read_jsonl,
    "arxiv": read_arxiv,
    "bibtex": read_bibtex,
    "csv": read_csv,
}

EXTENSIONS: dict[str, str] = {
    ".txt": "hf",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xml": "arxiv",
    ".atom": "arxiv",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".csv": "csv",
    ".tsv": "csv",
}

# phrases only a Hugging Face papers page carries
_HF_MARKERS = ("Get trending papers in your email inbox", "byAK and the research community")
_BIBTEX_ENTRY = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)


@dataclass
class ReadResult:
    """Everything the sources stage read: unique papers, skipped records, merge count, files."""

    papers: list[Paper] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)
    duplicates_merged: int = 0
    files: list[str] = field(default_factory=list)
    #: files met while walking a directory that are in no known format (a README, say)
    ignored: list[str] = field(default_factory=list)


def _sniff(head: str) -> str | None:
    """The format a file's first characters suggest, or None."""
    text = head.lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        return "arxiv" if "<feed" in text or "http://www.w3.org/2005/Atom" in text else None
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        lines = [line for line in text.splitlines() if line.strip()]
        try:
            json.loads(lines[0])
        except (json.JSONDecodeError, IndexError):
            return "json"  # an object spread over several lines
        return "jsonl" if len(lines) > 1 and lines[1].lstrip().startswith("{") else "json"
    first_code_line = next(
        (line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("%")), ""
    )
    if _BIBTEX_ENTRY.match(first_code_line):
        return "bibtex"
    header = text.split("\n", 1)[0]
    cells = [cell.strip().strip('"').lower() for cell in re.split(r"[,\t]", header)]
    if len(cells) > 1 and "title" in cells:
        return "csv"
    if any(marker in text for marker in _HF_MARKERS):
        return "hf"
    return None


def detect_format(path: Path) -> str:
    """A file's format: by its extension, else by sniffing its first characters.

    Raises :class:`SourceError` naming the file when neither tells.
    """
    path = Path(path)
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if by_extension:
        return by_extension
    try:
        with path.open("rb") as handle:
            head = handle.read(65536).decode("utf-8", errors="replace")
    except OSError as exc:
        raise SourceError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    sniffed = _sniff(head)
    if sniffed is None:
        raise SourceError(
            f"Cannot tell the format of {path} from its name or content; "
            f"give one of {', '.join(FORMATS)} explicitly."
        )
    return sniffed


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _walk(root: Path) -> Iterator[Path]:
    """Files under ``root``, recursively, in sorted order, without hidden files or folders."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and not _hidden(path, root):
            yield path


def _is_empty(value: object) -> bool:
    return value is None or value == "" or value == []


def _fill(first: Paper, later: Paper) -> None:
    """Fill ``first``'s empty fields from ``later`` (the first record of a paper wins)."""
    auto_id = first.id == paper_id_for(first.title)
    for name in ("abstract", "published", "year", "url", "arxiv_id", "authors", "author_count", "upvotes"):
        if _is_empty(getattr(first, name)) and not _is_empty(getattr(later, name)):
            setattr(first, name, getattr(later, name))
    if auto_id and first.arxiv_id:
        # the id is "the arXiv id when known" (DESIGN.md); a later record may be what makes it known
        first.id = first.arxiv_id


def merge_duplicates(papers: Sequence[Paper]) -> tuple[list[Paper], int]:
    """Papers with duplicates merged, and how many records were merged away.

    Two records are the same paper when they share an arXiv id or a normalised title. The first
    record is kept, its empty fields filled from the later ones.
    """
    kept: list[Paper] = []
    by_arxiv: dict[str, Paper] = {}
    by_title: dict[str, Paper] = {}
    merged = 0
    for paper in papers:
        key = normalise_title(paper.title)
        first = (by_arxiv.get(paper.arxiv_id) if paper.arxiv_id else None) or by_title.get(key)
        if first is None:
            kept.append(paper)
            first = paper
        else:
            _fill(first, paper)
            merged += 1
        by_title.setdefault(key, first)
        if first.arxiv_id:
            by_arxiv.setdefault(first.arxiv_id, first)
    return kept, merged


def read_papers(
    inputs: Sequence[str | Path],
    fmt: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ReadResult:
    """Read paper records from files and directories.

    Parameters
    ----------
    inputs
        Files and directories. Directories are walked recursively in sorted order, skipping
        hidden files and folders; a file there whose format cannot be told is listed in
        ``ignored`` rather than failing the run (a README next to the data is fine).
        ``fmt``, when given, applies to every file found.
    fmt
        One of :data:`FORMATS` for every file, overriding detection; None detects per file.
    progress
        Called with one line per file read, e.g. for a progress display.

    Returns
    -------
    ReadResult
        Unique papers in input order, skipped records with file and line or record number,
        how many duplicate records were merged, the files read and the files ignored.

    Raises
    ------
    SourceError
        An input is missing or unreadable, a named file's format is unknown, or no papers
        were found at all.
    """
    if fmt is not None and fmt not in FORMATS:
        raise SourceError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    if not inputs:
        raise SourceError("No input files or directories were given.")
    result = ReadResult()
    papers: list[Paper] = []
    for given in inputs:
        root = Path(given)
        if not root.exists():
            raise SourceError(f"{root} does not exist.")
        if root.is_dir():
            files = list(_walk(root))
            if not files:
                result.skipped.append(SkippedRecord(str(root), "the directory holds no files"))
        else:
            files = [root]
        for path in files:
            if fmt is not None:
                file_format = fmt
            elif path is root:
                file_format = detect_format(path)
            else:
                try:
                    file_format = detect_format(path)
                except SourceError:
                    result.ignored.append(str(path))
                    continue
            file_result = READERS[file_format](path)
            result.files.append(str(path))
            papers.extend(file_result.papers)
            result.skipped.extend(file_result.skipped)
            if not file_result.papers and not file_result.skipped:
                result.skipped.append(SkippedRecord(str(path), f"no paper records found (read as {file_format})"))
            if progress is not None:
                progress(
                    f"{path}: {len(file_result.papers)} papers, "
                    f"{len(file_result.skipped)} skipped ({file_format})"
                )
    if not papers:
        names = ", ".join(str(given) for given in inputs)
        why = f" ({len(result.skipped)} skipped, first: {result.skipped[0]})" if result.skipped else ""
        raise SourceError(f"No papers were found in {names}{why}.")
    result.papers, result.duplicates_merged = merge_duplicates(papers)
    return result
