"""CSV with a header row (format ``csv``).

Column names are matched case-insensitively: ``title`` (required), ``abstract`` or ``summary``,
``year``, ``date`` / ``published``, ``authors`` (split as :func:`kg.sources.base.split_authors`
splits them), ``url`` / ``link``, ``arxiv_id`` / ``arxiv`` / ``id``, ``doi``, ``upvotes``, and
the spellings of Zotero, Scopus and Web of Science exports (:data:`COLUMNS`). Other columns are
ignored. Cells may be separated by commas, tabs, semicolons or bars: the first that gives the
header row a title column is used, or the one Excel names on a first line such as ``sep=;``.
Empty cells after the last column (trailing separators) are dropped.

Quotes are read strictly: a quoted cell may span lines, but a quote that is never closed, or
text between a closing quote and the next delimiter, makes that row skipped with its line
number, and reading starts again on the next line, so that one stray quote cannot swallow
every row after it. (A stray quote that happens to pair with a later quote standing right
before a delimiter or a line end cannot be told from a real multi-line cell; csv files written
by a program never hold one.)
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from kg.sources.base import (
    FileResult,
    NOT_UTF8_LINE,
    RecordError,
    SkippedRecord,
    SourceWarning,
    SourceError,
    arxiv_id_from,
    make_paper,
    read_lines,
    read_text,
    split_authors,
    to_int,
)
from kg.text import collapse_spaces

#: paper field -> accepted column names, in order of preference
COLUMNS = {
    # the spellings of common exports too: Zotero ("Abstract Note", "Publication Year"), Scopus,
    # Web of Science's tab-delimited field tags (TI, AB, PY, AU, DI)
    "title": ("title", "article title", "document title", "ti"),
    "abstract": ("abstract", "summary", "abstract note", "ab"),
    "year": ("year", "publication year", "py"),
    "published": ("date", "published", "publication_date", "publication date", "date published"),
    "authors": ("authors", "author", "author full names", "au"),
    "url": ("url", "link"),
    "arxiv_id": ("arxiv_id", "arxiv", "arxivid", "eprint", "id"),
    "doi": ("doi", "di"),
    "upvotes": ("upvotes",),
}
#: the fields for which two candidate columns are reported even under different names
_TEXT_FIELDS = ("title", "abstract")
#: cell separators tried on the header row, in order, until one gives a title column
DELIMITERS = (",", "\t", ";", "|")
#: Excel's first line naming the separator ("sep=;")
_EXCEL_SEPARATOR = re.compile(r'^\s*"?sep=(.)"?\s*$', re.IGNORECASE)


def _column_name(cell: str) -> str:
    """A header cell as matched against :data:`COLUMNS`: lower case, spaces collapsed."""
    return collapse_spaces(cell).lower()


def _column_names(header: list[str]) -> list[str]:
    return [_column_name(cell) for cell in header]


def _repeats_header(row: list[str], names: list[str]) -> bool:
    """Whether ``row`` is the header again; cell by cell, so that a row of data stops at its
    first cell rather than having every cell (an abstract of megabytes) made a column name."""
    return len(row) == len(names) and all(_column_name(cell) == name for cell, name in zip(row, names))


def has_title_header(head: str) -> bool:
    """Whether a file starting with ``head`` has a CSV header row with a title column, cells
    separated by one of :data:`DELIMITERS` (after Excel's ``sep=`` line if there is one): how a
    file of no telling extension is known for CSV."""
    lines = head.split("\n", 2)
    header = lines[1] if len(lines) > 1 and _EXCEL_SEPARATOR.match(lines[0]) else lines[0]
    cells = _column_names([cell.strip().strip('"') for cell in re.split("|".join(map(re.escape, DELIMITERS)), header)])
    return len(cells) > 1 and any(name in cells for name in COLUMNS["title"])


#: the most lines one row may span (a quoted cell with line breaks in it: an abstract's paragraphs)
MAX_ROW_LINES = 500
_QUOTE_PROBLEMS = {
    "unexpected end of data": "a quoted cell that opens on this line is never closed",
    "expected after": "text follows a closing quote (a stray or unescaped quote?)",
}


def _quote_problem(error: csv.Error) -> str:
    message = str(error)
    for known, reason in _QUOTE_PROBLEMS.items():
        if known in message:
            return reason
    return f"not valid CSV ({message})"


class _RowLines:
    """The file's lines for the csv reader, from a given line on, ending when the row being
    read (which starts on line ``row_start``) would span more than :data:`MAX_ROW_LINES`, and
    saying so (``cut``). A quote that is never closed then fails its row there, not at the end
    of the file: read again from the next line, a file of many such rows took time in the
    square of its length. A row cut so is read again whole while :attr:`budget` (lines read
    over again, in all) lasts, so that one cell of many lines is still read."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.row_start = 0
        self.cut = False
        self.budget = 4 * len(lines)

    def start_row(self, index: int) -> None:
        self.row_start, self.cut = index, False

    def bounded(self, start: int) -> Iterator[str]:
        for index in range(start, len(self.lines)):
            if index - self.row_start >= MAX_ROW_LINES:
                self.cut = True
                return
            yield self.lines[index]

    def whole_row(self, start: int, delimiter: str) -> tuple[list[str] | None, int]:
        """The row starting on line ``start`` read without the bound, if the budget allows and
        it ends before the file does, and the lines it spans (None, 0 otherwise)."""
        if self.budget <= 0:
            return None, 0
        reader = csv.reader((self.lines[i] for i in range(start, len(self.lines))), delimiter=delimiter, strict=True)
        try:
            row = next(reader, None)
        except csv.Error:
            row = None
        self.budget -= reader.line_num
        return (row, reader.line_num) if row is not None else (None, 0)


def read_csv(path: Path) -> FileResult:
    """Papers from a CSV file; rows without a title, with too many cells or broken quotes are skipped."""
    # a row that is not UTF-8 is skipped on its own (its lines read as empty), not the file
    text_lines, not_utf8 = read_lines(path)
    if 1 in not_utf8:
        read_text(path)  # the header row is not UTF-8: the file's own error, on this rare path
    text = "\n".join(text_lines)
    # physical lines, split as the csv module counts them, so that reading can restart at any one
    lines = io.StringIO(text, newline="").readlines()
    # The csv module refuses cells over 131,072 characters, and the limit is global: raise it to
    # what this file could hold, so that an overlong abstract is cut with a warning like in every
    # other format rather than losing its row.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    excel = _EXCEL_SEPARATOR.match(lines[0]) if lines else None
    skipped_lines = 1 if excel else 0  # Excel's "sep=;" line, before the header
    candidates = (excel.group(1),) if excel else DELIMITERS
    header: list[str] | None = None
    rows = _RowLines(lines)
    rows.start_row(skipped_lines)
    for delimiter in candidates:
        reader = csv.reader(rows.bounded(skipped_lines), delimiter=delimiter, strict=True)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            reason = f"a header row that is not valid CSV ({exc})"
            raise SourceError(f"{path}:{skipped_lines + 1} has {reason}.", f"{path}:{skipped_lines + 1}", reason) from None
        names = _column_names(header or [])
        if any(name in names for name in COLUMNS["title"]):
            break
    else:
        first = lines[skipped_lines].strip() if len(lines) > skipped_lines else ""
        reason = (f'no "title" column in its header row ({first[:80]!r}; cells separated by '
                  f"{' or '.join(repr(d) for d in candidates)} were tried)")
        raise SourceError(f"{path} has {reason}.", str(path), reason)
    index = {}
    result = FileResult()
    for field, candidates in COLUMNS.items():
        for candidate in candidates:
            if candidate in names:
                index[field] = names.index(candidate)
                break
        # two columns that could each be the title (or the abstract) are a choice the user hears of
        matching = [position for position, name in enumerate(names) if name in candidates]
        if len(matching) > 1 and (field in _TEXT_FIELDS or len({names[i] for i in matching}) < len(matching)):
            used, others = header[index[field]].strip(), [header[i].strip() for i in matching if i != index[field]]
            # named up to five: a header of 50,000 "title" columns made a warning of 450 KB
            named = ", ".join(repr(o) for o in others[:5]) + (f" and {len(others) - 5:,} more" if len(others) > 5 else "")
            result.warnings.append(SourceWarning(
                f"{path}:{skipped_lines + 1}",
                f"{len(matching):,} columns could be the {field}: {used!r} (column {index[field] + 1}) is read, "
                f"not {named}"))

    result.skipped.extend(SkippedRecord(f"{path}:{number}", NOT_UTF8_LINE) for number in sorted(not_utf8))
    offset = skipped_lines  # lines before the current reader's first line
    while True:
        # a quoted cell may span lines, so a row starts on the line after the previous row ended
        line = offset + reader.line_num + 1
        rows.start_row(line - 1)
        try:
            row = next(reader, None)
        except csv.Error as exc:
            long_row, spanned = rows.whole_row(line - 1, delimiter) if rows.cut else (None, 0)
            # start again after the row when it was read whole, else on the line after the
            # one where the broken row began; a generator, not a slice, since a file of many
            # broken rows must not cost a copy for each
            offset = line - 1 + spanned if long_row is not None else line
            reader = csv.reader(rows.bounded(offset), delimiter=delimiter, strict=True)
            if long_row is not None:
                row = long_row
            else:
                # tab-separated exports (Web of Science) quote nothing: a title that opens with
                # a quote ("Why Should I Trust You?": ...) is text, and the line is the row
                unquoted = lines[line - 1].rstrip("\r\n").split("\t") if delimiter == "\t" else []
                if len(unquoted) != len(names):
                    result.skipped.append(SkippedRecord(f"{path}:{line}", _quote_problem(exc)))
                    continue
                row = unquoted
        if row is None:
            break
        if not any(cell.strip() for cell in row):
            continue
        location = f"{path}:{line}"
        while len(row) > len(names) and not row[-1].strip():
            row = row[:-1]  # empty cells after the last column (a spreadsheet's trailing commas)
        if _repeats_header(row, names):
            # exports appended to one another: their header rows are no papers titled "title"
            result.skipped.append(SkippedRecord(location, "the header row again (files joined into one?)"))
            continue
        if len(row) > len(names):
            reason = f"row has {len(row)} cells but the header has {len(names)} (an unquoted comma?)"
            result.skipped.append(SkippedRecord(location, reason))
            continue
        if len(row) < len(names) and (others := [d for d in DELIMITERS
                                                 if d != delimiter and any(d in value for value in row)]):
            result.warnings.append(SourceWarning(location, (
                f"row has {len(row)} cell{'s' if len(row) != 1 else ''} but the header has {len(names)}, "
                f"and holds {others[0]!r}: written with another separator? read as it is")))

        def cell(field: str, row: list[str] = row) -> str:
            position = index.get(field)
            return row[position].strip() if position is not None and position < len(row) else ""

        try:
            result.papers.append(
                make_paper(
                    title=cell("title"),
                    abstract=cell("abstract"),
                    published=cell("published") or None,
                    year=cell("year") or None,
                    url=cell("url") or None,
                    arxiv_id=arxiv_id_from(cell("arxiv_id")) or arxiv_id_from(cell("url")),
                    authors=split_authors(cell("authors")),
                    upvotes=to_int(cell("upvotes")),
                    doi=cell("doi") or None,
                    source=location,
                )
            )
        except RecordError as exc:
            result.skipped.append(SkippedRecord(location, str(exc)))
    return result

