"""Tagged exports of reference managers and bibliographic databases, one field a line.

- ``ris``: RIS (Zotero, Mendeley, EndNote, Scopus, IEEE Xplore, the ACM Digital Library):
  ``TI  - title``, one ``AU  - Last, First`` line an author, records closed by ``ER  -``.
- ``wos``: Web of Science plain text (``FN Clarivate Analytics Web of Science``): ``TI title``,
  a value going on over lines that start with spaces, one author a line under ``AF``/``AU``,
  records closed by ``ER``.
- ``medline``: PubMed's MEDLINE format (``.nbib``, "Save: PubMed format"): ``PMID- 123``
  opens a record, ``TI  - title`` with indented lines going on, one ``FAU``/``AU`` an author.

The three share a shape (a tag, a value, lines without a tag that go on with the value before),
so one reader takes them with a table of tags for each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.records import Paper
from kg.sources.base import (
    FileResult,
    NOT_UTF8_LINE,
    RecordError,
    SkippedRecord,
    SourceWarning,
    add_record,
    arxiv_id_from,
    comma_names,
    make_paper,
    parse_date,
    one_line_break,
    read_lines,
)


@dataclass(frozen=True)
class Dialect:
    """How one tagged format writes its lines and which tags hold what."""

    name: str
    line: re.Pattern[str]  # group 1 the tag, group 2 the value
    opens: frozenset[str]  # a tag that starts a new record
    closes: frozenset[str]  # a tag that ends the record
    titles: tuple[str, ...]
    abstracts: tuple[str, ...]
    authors: tuple[tuple[str, ...], ...]  # alternatives, best first (full names before initials)
    dates: tuple[str, ...]
    dois: tuple[str, ...]
    urls: tuple[str, ...]
    venues: tuple[str, ...]
    #: tags whose following lines are further values, not more of the same value
    one_value_a_line: frozenset[str] = frozenset()
    #: tags of the file, not of a record
    ignored: frozenset[str] = frozenset()
    #: lines written loosely (a tag in lower case, one space or a tab before the dash), read as
    #: a tag line when the tag, in upper case, is one of ``known``
    loose: re.Pattern[str] | None = None
    known: frozenset[str] = frozenset()
    #: a blank line ends the record (MEDLINE: a record missing its PMID still ends there)
    blank_ends: bool = False


RIS = Dialect(
    "ris", re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$"), frozenset({"TY"}), frozenset({"ER"}),
    titles=("TI", "T1", "CT"), abstracts=("AB", "N2"), authors=(("AU", "A1"),),
    dates=("DA", "PY", "Y1"), dois=("DO",), urls=("UR", "L2"), venues=("T2", "JO", "JF", "JA", "BT"),
    loose=re.compile(r"^([A-Za-z][A-Za-z0-9])(?: {1,2}|\t)-(?:[ \t](.*))?$"),
    # the tags of the RIS specification, so that a wrapped line "AI - based ..." stays text
    known=frozenset("""TY ER TI T1 T2 T3 T4 CT BT AB N1 N2 AU A1 A2 A3 A4 ED PY Y1 Y2 DA DO UR L1 L2 L3 L4
        JO JF JA J1 J2 KW SP EP VL IS SN PB CY ID M1 M2 M3 ST LA DB DP AN C1 C2 C3 C4 C5 C6 C7 C8 CA
        CN ET OP RI RN RP SE U1 U2 U3 U4 U5 AD NV LB TA TT""".split()),
)
WOS = Dialect(
    "wos", re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$"), frozenset({"PT"}), frozenset({"ER"}),
    titles=("TI",), abstracts=("AB",), authors=(("AF",), ("AU",)), dates=("PY",), dois=("DI",),
    urls=(), venues=("SO",), one_value_a_line=frozenset({"AF", "AU"}),
    ignored=frozenset({"FN", "VR", "EF"}),
)
MEDLINE = Dialect(
    "medline", re.compile(r"^([A-Z]{2,4}) *- (.*)$"), frozenset({"PMID"}), frozenset(),
    titles=("TI",), abstracts=("AB",), authors=(("FAU",), ("AU",)), dates=("DP",),
    dois=("LID", "AID"), urls=(), venues=("JT", "TA"), blank_ends=True,
)

#: first lines that give each format away (a ``.txt`` export is read by these)
SIGNATURES = (
    # a few header lines may come first (JSTOR, EBSCO: "Provider: ...", "Database: ...")
    (re.compile(r"\A(?:[^\n]*\n){0,8}?TY  - "), "ris"),
    (re.compile(r"\A(?:FN (?:Clarivate|Thomson)[^\n]*\n)?(?:VR [^\n]*\n)?PT [A-Z]\b"), "wos"),
    (re.compile(r"\APMID- ?\d"), "medline"),
)


def sniff_tagged(text: str) -> str | None:
    """``ris``, ``wos`` or ``medline`` when ``text`` (a file's start) opens as one, else None."""
    text = one_line_break(text.lstrip("\ufeff \t\r\n").replace("\r\n", "\n"))
    return next((name for pattern, name in SIGNATURES if pattern.match(text)), None)


Record = dict[str, list[str]]


def _records(lines: list[str], bad_lines: set[int], dialect: Dialect,
             result: FileResult, path: Path) -> Iterator[tuple[int, Record]]:
    """Each record with the line it starts on; lines that are not UTF-8 are reported."""
    # each value as the list of its lines, joined once the record is whole (joining as lines
    # came was quadratic in a value of many lines)
    record: dict[str, list[list[str]]] = {}
    start = 0
    last: str | None = None

    def whole() -> Record:
        return {tag: [" ".join(parts).strip() for parts in values] for tag, values in record.items()}

    for number, line in _lines(lines, dialect):
        if number in bad_lines:
            result.skipped.append(SkippedRecord(f"{path}:{number}", NOT_UTF8_LINE))
            continue
        match = _tag_line(line, dialect)
        tag = match.group(1).upper() if match else None
        if tag in dialect.ignored:
            last = None
            continue
        if dialect.blank_ends and not line.strip() and record:
            yield start, whole()
            record, last = {}, None
            continue
        if record and (tag in dialect.opens or tag in dialect.titles and tag in record):
            # a record whose closing tag is missing; a second title of the same tag starts the
            # next record, whose opening tag is missing too (said, since it may be one record's
            # second title instead)
            if tag not in dialect.opens:
                result.warnings.append(SourceWarning(
                    f"{path}:{number}", f"a second {tag} in a record, read as the title of the next record "
                    f"(the end of the record before it and the start of its own are missing)"))
            yield start, whole()
            record, last = {}, None
        if tag is not None:
            if tag in dialect.closes:
                if record:
                    yield start, whole()
                record, last = {}, None
                continue
            if not record:
                start = number
            record.setdefault(tag, []).append([(match.group(2) or "").strip()])
            last = tag
        elif line.strip() and last is not None and (line[:1].isspace() or dialect is RIS):
            values = record[last]
            if last in dialect.one_value_a_line:
                values.append([line.strip()])
            else:
                values[-1].append(line.strip())
    if record:
        yield start, whole()


def _lines(lines: list[str], dialect: Dialect) -> Iterator[tuple[int, str]]:
    """Each line with its number, split at lone CRs where they part tag lines: two exports
    joined into one file may end lines both ways ("TY  - JOUR\\rTI  - ..." is two lines, and
    so is a value's continuation between two such tag lines)."""
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r")
        if "\r" in line:
            parts = line.split("\r")
            if any(_tag_line(part, dialect) for part in parts[1:] if part.strip()):
                yield from ((number, part) for part in parts)
                continue
        yield number, line


def _tag_line(line: str, dialect: Dialect) -> re.Match[str] | None:
    match = dialect.line.match(line)
    if match is None and dialect.loose is not None:
        match = dialect.loose.match(line)
        if match is not None and match.group(1).upper() not in dialect.known:
            return None
    return match


def _first(record: Record, tags: tuple[str, ...]) -> str | None:
    for tag in tags:
        for value in record.get(tag, []):
            if value:
                return value
    return None


_SLASHED_DATE = re.compile(r"^(\d{4})(?:/(\d{1,2})(?:/(\d{1,2}))?)?")
_YEAR_FIRST = re.compile(r"^(\d{4}) ([A-Za-z]{3})[a-z]*(?: (\d{1,2}))?")


def _date(value: str | None) -> str | None:
    """RIS's "2017/06/12/" and MEDLINE's "2017 Jun 12" in spellings :func:`parse_date` reads."""
    if not value:
        return None
    if re.match(r"\d{4}-\d{2}-\d{2}\b", value):
        return value[:10]
    if match := _YEAR_FIRST.match(value):
        year, month, day = match.groups()
        return f"{day} {month} {year}" if day else year
    if match := _SLASHED_DATE.match(value):
        year, month, day = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}" if month and day else year
    return value


def _dated(record: Record, tags: tuple[str, ...]) -> str | None:
    """The first of the date tags that says a year: EndNote's "DA  - Nov 15" has none, and the
    "PY  - 1997" after it has."""
    for tag in tags:
        for value in record.get(tag, []):
            if parse_date(_date(value))[1] is not None:
                return _date(value)
    return None


def _doi(value: str | None) -> str | None:
    # MEDLINE marks what a LID/AID line holds: "10.1000/xyz [doi]", "S0140-6736 [pii]"
    if value and value.endswith("]"):
        return value[: -len("[doi]")].strip() if value.endswith("[doi]") else None
    return value


def _to_paper(dialect: Dialect) -> Callable[[Record, str], Paper]:
    def to_paper(record: Record, location: str) -> Paper:
        title = _first(record, dialect.titles)
        if not title:
            raise RecordError(f"no title ({' or '.join(dialect.titles)})")
        authors: list[str] = []
        for tags in dialect.authors:
            # one name a value, "Last, First" or RIS's "Lastname, Firstname, Suffix"
            authors = [name for tag in tags for value in record.get(tag, []) for name in comma_names(value)]
            if authors:
                break
        doi = next((d for tag in dialect.dois for v in record.get(tag, []) if (d := _doi(v))), None)
        url = _first(record, dialect.urls)
        arxiv_id = arxiv_id_from(url, in_text=True) or arxiv_id_from(doi, in_text=True)
        for notes in ("N1", "M3"):  # where reference managers put "arXiv: 2301.08243"
            arxiv_id = arxiv_id or arxiv_id_from(_first(record, (notes,)), in_text=True)
        return make_paper(
            title=title,
            abstract=_first(record, dialect.abstracts) or "",
            published=_dated(record, dialect.dates),
            url=url,
            arxiv_id=arxiv_id,
            authors=authors,
            source=location,
            doi=doi,
            venue=_first(record, dialect.venues),
        )

    return to_paper


def read_tagged(path: Path, dialect: Dialect) -> FileResult:
    """Papers from a tagged export; a record without a title is skipped, named by its line."""
    lines, bad_lines = read_lines(path)
    result = FileResult()
    to_paper = _to_paper(dialect)
    for start, record in _records(lines, bad_lines, dialect, result, path):
        add_record(result, record, f"{path}:{start}", to_paper)
    return result


def read_ris(path: Path) -> FileResult:
    return read_tagged(path, RIS)


def read_wos(path: Path) -> FileResult:
    return read_tagged(path, WOS)


def read_medline(path: Path) -> FileResult:
    return read_tagged(path, MEDLINE)
