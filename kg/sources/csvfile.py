"""CSV with a header row (format ``csv``).

Column names are matched case-insensitively: ``title`` (required), ``abstract`` or ``summary``,
``year``, ``date`` / ``published``, ``authors`` (names separated by ";"), ``url`` / ``link``,
``arxiv_id`` / ``arxiv`` / ``id``, ``upvotes``. Other columns are ignored. A tab-separated file
whose header has tabs and no commas is read the same way.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kg.sources.base import (
    FileResult,
    RecordError,
    SkippedRecord,
    SourceError,
    arxiv_id_from,
    make_paper,
    read_text,
    split_authors,
    to_int,
)

#: paper field -> accepted column names, in order of preference
COLUMNS = {
    "title": ("title",),
    "abstract": ("abstract", "summary"),
    "year": ("year",),
    "published": ("date", "published", "publication_date"),
    "authors": ("authors", "author"),
    "url": ("url", "link"),
    "arxiv_id": ("arxiv_id", "arxiv", "arxivid", "eprint", "id"),
    "upvotes": ("upvotes",),
}


def read_csv(path: Path) -> FileResult:
    """Papers from a CSV file; rows without a title or with too many cells are skipped."""
    text = read_text(path)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise SourceError(f"{path}:1 has a header row that is not valid CSV ({exc}).") from None
    names = [name.strip().lower() for name in header or []]
    if "title" not in names:
        raise SourceError(f'{path} has no "title" column in its header row (columns: {", ".join(names) or "none"}).')
    index = {}
    for field, candidates in COLUMNS.items():
        for candidate in candidates:
            if candidate in names:
                index[field] = names.index(candidate)
                break

    result = FileResult()
    while True:
        # a quoted cell may span lines, so a row starts on the line after the previous row ended
        line = reader.line_num + 1
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise SourceError(f"{path}:{line} is not valid CSV ({exc}).") from None
        if row is None:
            break
        if not any(cell.strip() for cell in row):
            continue
        location = f"{path}:{line}"
        if len(row) > len(names):
            reason = f"row has {len(row)} cells but the header has {len(names)} (an unquoted comma?)"
            result.skipped.append(SkippedRecord(location, reason))
            continue

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
                    authors=split_authors(cell("authors"), separator=";"),
                    upvotes=to_int(cell("upvotes")),
                    source=location,
                )
            )
        except RecordError as exc:
            result.skipped.append(SkippedRecord(location, str(exc)))
    return result
