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
ris       RIS (Zotero, Mendeley, EndNote, Scopus ...)           :mod:`kg.sources.tagged`
wos       Web of Science plain text                              :mod:`kg.sources.tagged`
medline   PubMed's MEDLINE format (``.nbib``)                    :mod:`kg.sources.tagged`
========  =====================================================  ==========================

Example::

    >>> result = read_papers(["examples/sample"])          # doctest: +SKIP
    >>> len(result.papers), result.duplicates_merged        # doctest: +SKIP
    (12, 1)
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.records import Paper, normalise_title, paper_id_for
from kg.sources.arxiv import read_arxiv
from kg.sources.base import (
    COMPRESSED_SUFFIXES,
    NOT_UTF8_LINE,
    FileResult,
    SkippedRecord,
    SourceError,
    SourceWarning,
    decoding_notes,
    limit_lengths,
    one_line_break,
    text_head,
)
from kg.sources.bibtex import read_bibtex
from kg.sources.csvfile import has_title_header, read_csv
from kg.sources.hf import HTML_REASON, PAGE_MARKERS, is_html, looks_like_hf_page, read_hf
from kg.sources.html_page import page_text
from kg.sources.jsonrec import read_json, read_jsonl
from kg.sources.tagged import read_medline, read_ris, read_wos, sniff_tagged

__all__ = [
    "BUILD_OUTPUT_REASON",
    "CACHE_FOLDER_REASON",
    "FORMATS",
    "ReadResult",
    "SkippedRecord",
    "SourceError",
    "SourceWarning",
    "detect_format",
    "merge_duplicates",
    "published_in",
    "read_papers",
]

FORMATS: tuple[str, ...] = ("hf", "json", "jsonl", "arxiv", "bibtex", "csv", "ris", "wos", "medline")

READERS: dict[str, Callable[[Path], FileResult]] = {
    "hf": read_hf,
    "json": read_json,
    "jsonl": read_jsonl,
    "arxiv": read_arxiv,
    "bibtex": read_bibtex,
    "csv": read_csv,
    "ris": read_ris,
    "wos": read_wos,
    "medline": read_medline,
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
    ".ris": "ris",
    ".ciw": "wos",
    ".nbib": "medline",
}

#: extensions that many formats share: the content decides, the extension's format is the fallback
#: (Excel's "Text (Tab delimited)" and Web of Science exports are .txt, as are saved HF pages)
SNIFFED_EXTENSIONS = frozenset({".txt"})
#: how much of a saved web page is read to tell a papers listing from other pages (their
#: scripts and styles come first)
_HTML_HEAD = 8 * 1024 * 1024
_BIBTEX_ENTRY = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)


@dataclass
class ReadResult:
    """Everything the sources stage read: unique papers, skipped records, merge count, files."""

    papers: list[Paper] = field(default_factory=list)
    #: records, files and folders that could not be used, each with where and why
    skipped: list[SkippedRecord] = field(default_factory=list)
    #: skipped records beyond the first ``MAX_SKIPPED_KEPT`` of a file: counted, not kept, by file
    skipped_not_kept: dict[str, int] = field(default_factory=dict)
    #: records kept with a change the user should hear of (a field cut to length, a near-merge)
    warnings: list[SourceWarning] = field(default_factory=list)
    duplicates_merged: int = 0
    files: list[str] = field(default_factory=list)
    #: files met while walking a directory that are in no known format (a README, say)
    ignored: list[str] = field(default_factory=list)
    #: folders met while walking that hold a kg build's outputs (see :func:`is_build_output`)
    builds_passed_over: list[str] = field(default_factory=list)
    #: folders met while walking that are tagged as caches (see :func:`is_cache_folder`)
    caches_passed_over: list[str] = field(default_factory=list)


#: files every ``kg build`` writes at the top of its output folder
BUILD_OUTPUT_FILES = ("graph.json", "extractions.jsonl")
#: why a walk passes over such a folder
BUILD_OUTPUT_REASON = "a kg build's output folder, not paper records"
CACHE_FOLDER_REASON = "a cache folder (it holds a CACHEDIR.TAG), not paper records"
#: the first bytes of a CACHEDIR.TAG file (https://bford.info/cachedir/), which kg's extraction
#: cache writes and backup tools honour
CACHEDIR_SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"


def is_build_output(folder: Path) -> bool:
    """Whether ``folder`` holds a kg build's outputs. A walk passes over such folders: their
    ``extractions.jsonl`` would read back as papers without abstracts (``kg build .`` writes to
    ``./kg-out``, inside its own input)."""
    try:
        return all((folder / name).is_file() for name in BUILD_OUTPUT_FILES)
    except OSError:  # a folder that cannot be searched: the walk reports it when it tries
        return False


def is_cache_folder(folder: Path) -> bool:
    """Whether ``folder`` is tagged as a cache: a walk passes over it (an extraction cache kept
    inside the input folder would read back as thousands of broken records)."""
    try:
        with open(folder / "CACHEDIR.TAG", "rb") as tag:
            return tag.read(len(CACHEDIR_SIGNATURE)) == CACHEDIR_SIGNATURE
    except OSError:
        return False


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
            json.loads(lines[0], strict=False)
        except (ValueError, RecursionError, IndexError):
            return "json"  # an object spread over several lines (or a line json cannot take)
        return "jsonl" if len(lines) > 1 and lines[1].lstrip().startswith("{") else "json"
    tagged = sniff_tagged(text)
    if tagged:
        return tagged
    first_code_line = next(
        (line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("%")), ""
    )
    if _BIBTEX_ENTRY.match(first_code_line):
        return "bibtex"
    if has_title_header(text):
        return "csv"
    if any(marker in text for marker in PAGE_MARKERS):
        return "hf"
    return None


def detect_format(path: Path, in_folder: bool = False) -> str:
    """A file's format: by its extension, else by sniffing its first characters.

    A ``.txt`` file is read by its content; one that shows no sign of any format is taken for
    a Hugging Face page when named itself, and for no paper file (a README) when ``in_folder``.

    Raises :class:`SourceError` naming the file when neither tells.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in COMPRESSED_SUFFIXES:  # "papers.jsonl.gz": the format's extension comes before
        suffix = Path(path.stem).suffix.lower()
    by_extension = EXTENSIONS.get(suffix)
    if by_extension and suffix not in SNIFFED_EXTENSIONS:
        return by_extension
    head = one_line_break(text_head(path))
    if is_html(head):  # a page saved whole: a Hugging Face listing is read, other pages are not
        if in_folder and not looks_like_hf_page(page_text(text_head(path, size=_HTML_HEAD))):
            raise SourceError(f"{path} is {HTML_REASON}.", str(path), HTML_REASON)
        return "hf"
    sniffed = _sniff(head)
    # a folder's .txt that shows nothing of a Hugging Face page is its README or notes
    readme = in_folder and by_extension == "hf" and not looks_like_hf_page(head)
    if sniffed is None and not readme:
        sniffed = by_extension
    if sniffed is None:
        choose = f"give one of {', '.join(FORMATS)} explicitly"
        raise SourceError(
            f"Cannot tell the format of {path} from its name or content; {choose}.",
            str(path),
            f"no known format by name or content; {choose}",
        )
    return sniffed


#: why a pipe, socket or device is not read; save what it gives to a file first
NOT_REGULAR_REASON = "not a regular file (a socket, pipe or device); not read: save its contents to a file first"


def _pass_over(result: ReadResult, folder: Path) -> str | None:
    """Why a walk passes over ``folder`` (a kg build's outputs, a tagged cache), noting it in
    ``result``; None for a folder to read."""
    for holds, passed, reason in ((is_build_output, result.builds_passed_over, BUILD_OUTPUT_REASON),
                                  (is_cache_folder, result.caches_passed_over, CACHE_FOLDER_REASON)):
        if holds(folder):
            passed.append(str(folder))
            return reason
    return None


def _walk(root: Path, skipped: list[SkippedRecord], pass_over: Callable[[Path], str | None],
          passed: list[str]) -> list[Path]:
    """Files under ``root``, recursively, in sorted order, without hidden files or folders, and
    without the folders ``pass_over`` gives a reason for (each added to ``passed`` with it).

    Symbolic links are followed, but a link back to a folder it sits in (a loop) is not, and a
    folder reached twice is read once. Loops, broken links, unreadable folders and files that
    are not regular files (sockets, pipes, devices, which could block or never end) are added
    to ``skipped`` rather than passed over in silence.
    """
    found: list[Path] = []
    entered: set[tuple[int, int]] = set()

    def children(folder: Path) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(folder) as entries:
                return sorted(entries, key=lambda entry: entry.name)
        except OSError as exc:
            skipped.append(SkippedRecord(str(folder), f"cannot read the folder ({exc.strerror or exc})"))
            return []

    top = root.stat()
    entered.add((top.st_dev, top.st_ino))
    # depth first, each folder's entries in name order, with a stack of its own: folders nested
    # a thousand deep exceeded Python's recursion limit and lost every file of the run
    stack: list[tuple[Path, Iterator[os.DirEntry[str]], frozenset[tuple[int, int]]]] = [
        (root, iter(children(root)), frozenset(entered))]
    while stack:
        folder, entries, ancestors = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        path = folder / entry.name
        try:
            info = path.stat()  # follows links
        except OSError as exc:
            why = ("a symbolic link in a loop of links" if exc.errno == errno.ELOOP
                   else "a broken symbolic link" if entry.is_symlink() else f"cannot read it ({exc.strerror or exc})")
            skipped.append(SkippedRecord(str(path), why))
            continue
        key = (info.st_dev, info.st_ino)
        if entry.is_dir():
            if key in ancestors:
                skipped.append(SkippedRecord(str(path), "a symbolic link back to a folder it is in (a loop); not followed"))
            elif key not in entered:
                entered.add(key)
                if reason := pass_over(path):
                    passed.append(f"{path}: {reason}")
                else:
                    stack.append((path, iter(children(path)), ancestors | {key}))
        elif entry.is_file():
            found.append(path)
        else:
            skipped.append(SkippedRecord(str(path), NOT_REGULAR_REASON))
    return found


def published_in(paper: Paper, since: _dt.date | None, until: _dt.date | None) -> bool | None:
    """Whether ``paper`` was published from ``since`` to ``until`` (either may be open); a
    paper dated only by its year is in when that year overlaps the period. None when it has
    no date at all."""
    if paper.published:
        first = last = _dt.date.fromisoformat(paper.published)
    elif paper.year:
        first, last = _dt.date(paper.year, 1, 1), _dt.date(paper.year, 12, 31)
    else:
        return None
    return (since is None or last >= since) and (until is None or first <= until)


def _is_empty(value: object) -> bool:
    return value is None or value == "" or value == []


def _fill(first: Paper, later: Paper) -> None:
    """Fill ``first``'s empty fields from ``later`` (the first record of a paper wins)."""
    auto_id = first.id == paper_id_for(first.title)
    # a date of another year than the one kept would leave year and date disagreeing (kg papers
    # showing one, --since filtering by the other): the first record's year wins, without a day
    other_year = first.year is not None and later.year is not None and later.year != first.year
    for name in ("abstract", "published", "year", "url", "arxiv_id", "authors", "author_count", "upvotes",
                 "doi", "openalex_id", "venue", "references", "links", "month"):
        if other_year and name in ("published", "month"):
            continue
        if _is_empty(getattr(first, name)) and not _is_empty(getattr(later, name)):
            setattr(first, name, getattr(later, name))
    if auto_id and first.arxiv_id:
        # the id is "the arXiv id when known" (DESIGN.md); a later record may be what makes it known
        first.id = first.arxiv_id


def _other_abstract(first: Paper, later: Paper) -> bool:
    """Whether two records of one title have abstracts sharing under half their words."""
    if not first.abstract or not later.abstract:
        return False
    words = [set(re.findall(r"\w+", text.lower())) for text in (first.abstract, later.abstract)]
    union = words[0] | words[1]
    return bool(union) and len(words[0] & words[1]) < 0.5 * len(union)


def merge_duplicates(
    papers: Sequence[Paper], warnings: list[SourceWarning] | None = None
) -> tuple[list[Paper], int]:
    """Papers with duplicates merged, and how many records were merged away.

    Two records are the same paper when they share an arXiv id, a DOI or a normalised title.
    The first record is kept, its empty fields filled from the later ones. Records with the same
    title or DOI but different arXiv ids are different papers (two groups can choose one title)
    and stay apart; records with one arXiv id or DOI but different titles are merged (a later
    version may be retitled, a journal may publish the preprint under another title). Each such
    record adds a :class:`SourceWarning` to ``warnings`` when it is given.
    """
    kept: list[Paper] = []
    by_arxiv: dict[str, Paper] = {}
    by_doi: dict[str, Paper] = {}
    by_title: dict[str, Paper] = {}
    merged = 0
    for paper in papers:
        key = normalise_title(paper.title)
        first, shared = (by_arxiv.get(paper.arxiv_id), "arXiv id") if paper.arxiv_id else (None, "")
        if first is None and paper.doi:
            first, shared = by_doi.get(paper.doi), "DOI"
            if first is not None and first.arxiv_id and paper.arxiv_id and first.arxiv_id != paper.arxiv_id:
                first = None  # one DOI given to two preprints: a mistake in a record, not one paper
        if first is not None and normalise_title(first.title) != key and warnings is not None:
            # one arXiv id or DOI is one paper, but say so: the record's own title and abstract go
            same = paper.arxiv_id if shared == "arXiv id" else paper.doi
            warnings.append(SourceWarning(
                paper.source or paper.id,
                f"same {shared} ({same}) as {first.source or first.id} but another title "
                f"({paper.title[:60]!r}, there {first.title[:60]!r}); merged into that paper",
            ))
        if first is None:
            first, shared = by_title.get(key), "title"
            if first is not None and first.arxiv_id and paper.arxiv_id and first.arxiv_id != paper.arxiv_id:
                if warnings is not None:
                    warnings.append(SourceWarning(
                        paper.source or paper.id,
                        f"same title as {first.source or first.id} but another arXiv id "
                        f"({paper.arxiv_id}, there {first.arxiv_id}); kept as two papers",
                    ))
                first = None
        if first is not None and shared == "title" and warnings is not None and _other_abstract(first, paper):
            # one title, two texts: a reprint with a rewritten abstract, or two papers that chose
            # one title; either way the user should know which text the graph keeps
            warnings.append(SourceWarning(
                paper.source or paper.id,
                f"same title as {first.source or first.id} but an abstract sharing few of its words; "
                "merged into that paper, whose abstract is kept",
            ))
        if first is None:
            kept.append(paper)
            first = paper
        else:
            _fill(first, paper)
            merged += 1
        by_title.setdefault(key, first)
        if first.arxiv_id:
            by_arxiv.setdefault(first.arxiv_id, first)
        for doi in {first.doi, paper.doi} - {None, ""}:
            by_doi.setdefault(doi, first)
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
    fmt
        One of :data:`FORMATS` for every file, overriding detection; None detects per file.
    progress
        Called with one line per file read, e.g. for a progress display.

    Returns
    -------
    ReadResult
        Unique papers in input order; skipped records, files and folders with where (file and
        line or record number) and why; warnings about records kept with a change (fields over
        :data:`~kg.sources.base.MAX_TEXT_CHARS` / :data:`~kg.sources.base.MAX_NAME_CHARS` are
        cut); how many duplicate records were merged; the files read and the files ignored.
        A file that cannot be read as a whole (not UTF-8, broken JSON or XML, unreadable...) is
        skipped like a bad record, so that it never costs the papers of the other files.

    Raises
    ------
    SourceError
        An input does not exist, the format is unknown, or no papers were found at all; in that
        last case the message has one line for each file or folder that gave none, or is the
        one file's own error when a single file was given.
    """
    if fmt is not None and fmt not in FORMATS:
        raise SourceError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    if not inputs:
        raise SourceError("No input files or directories were given.")
    result = ReadResult()
    papers: list[Paper] = []
    # why each file or folder gave no papers: one line each for the error when none gave any
    barren: list[str] = []
    file_errors: list[SourceError] = []
    files_read: set[tuple[int, int]] = set()
    for given in inputs:
        root = Path(given)
        if not root.exists():
            raise SourceError(f"{root} does not exist.")
        if root.is_dir() and (reason := _pass_over(result, root)):
            barren.append(f"{root}: {reason}")
            continue
        if root.is_dir():
            walk_problems: list[SkippedRecord] = []
            passed: list[str] = []
            files = _walk(root, walk_problems, lambda folder: _pass_over(result, folder), passed)
            result.skipped.extend(walk_problems)
            barren.extend(str(problem) for problem in walk_problems)
            barren.extend(passed)
            if not files and not walk_problems and not passed:
                result.skipped.append(SkippedRecord(str(root), "the directory holds no files"))
                barren.append(str(result.skipped[-1]))
        elif not root.is_file():
            # a pipe would block until something writes to it, and a device such as /dev/zero
            # never ends: named on the command line or found in a folder, neither is read
            result.skipped.append(SkippedRecord(str(root), NOT_REGULAR_REASON))
            barren.append(str(result.skipped[-1]))
            file_errors.append(SourceError(f"{root} is {NOT_REGULAR_REASON}.", str(root), NOT_REGULAR_REASON))
            continue
        else:
            files = [root]
        for path in files:
            try:
                identity = (status := path.stat()).st_dev, status.st_ino
            except OSError:
                identity = None  # the reader reports what is wrong with it
            if identity is not None:
                if identity in files_read:  # named twice, or in a folder also given: read once
                    continue
                files_read.add(identity)
            try:
                if fmt is not None:
                    file_format = fmt
                elif path is root:
                    file_format = detect_format(path)
                else:
                    try:
                        file_format = detect_format(path, in_folder=True)
                    except SourceError as err:
                        if err.reason and err.reason.startswith("cannot read"):
                            raise
                        result.ignored.append(str(path))
                        barren.append(f"{path}: passed over ({err.reason or err})")
                        continue
                with decoding_notes() as decoding:
                    file_result = READERS[file_format](path)
                file_result.warnings[:0] = decoding
            except SourceError as err:
                skipped = SkippedRecord(err.location or str(path), err.reason or str(err))
                result.skipped.append(skipped)
                barren.append(str(skipped))
                file_errors.append(err)
                if progress is not None:
                    progress(f"{path}: skipped ({skipped.reason})")
                continue
            result.files.append(str(path))
            for paper in file_result.papers:
                result.warnings.extend(SourceWarning(paper.source, reason) for reason in limit_lengths(paper))
            result.warnings.extend(file_result.warnings)
            papers.extend(file_result.papers)
            result.skipped.extend(file_result.skipped)
            if file_result.skipped.not_kept:
                result.skipped_not_kept[str(path)] = file_result.skipped.not_kept
            if not file_result.papers:
                barren.append(_why_no_papers(path, file_result, file_format))
                if not file_result.skipped:
                    result.skipped.append(SkippedRecord(str(path), f"no paper records found (read as {file_format})"))
            if progress is not None:
                progress(
                    f"{path}: {len(file_result.papers)} papers, "
                    f"{file_result.skipped.total} skipped ({file_format})"
                )
    if not papers:
        if len(inputs) == 1 and len(barren) == 1 and len(file_errors) == 1:
            raise file_errors[0]  # one file, one sentence: its own
        # one line each: a file name or reason holding a line break must not look like two files
        names = ", ".join(" ".join(str(given).split()) for given in inputs)
        barren = [" ".join(line.split()) for line in barren]
        end = "" if names.endswith(".") else "."  # "kg build ." must not end in ".."
        message = f"No papers were found in {names}{end}" + "".join(f"\n  {line}" for line in barren)
        raise SourceError(message, details=barren)
    result.papers, result.duplicates_merged = merge_duplicates(papers, result.warnings)
    return result


def _why_no_papers(path: Path, file_result: FileResult, file_format: str) -> str:
    """One line saying why a file that was read gave no papers."""
    skipped = file_result.skipped
    if not skipped:
        return f"{path}: no paper records found (read as {file_format})"
    if len(skipped) == 1:
        return str(skipped[0])
    # a line not in UTF-8 may be what broke the record before it ("café" cut at the é)
    not_utf8 = [s for s in skipped if s.reason == NOT_UTF8_LINE]
    cause = (f"; {len(not_utf8)} of them {'is' if len(not_utf8) == 1 else 'are'} not UTF-8 text, the first at "
             f"{not_utf8[0].location}: re-save the file as UTF-8" if not_utf8 and skipped[0] not in not_utf8 else "")
    return f"{path}: all {file_result.skipped.total:,} records skipped, the first as {skipped[0]}{cause}"
