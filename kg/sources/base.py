"""What every source reader shares: the error types, the per-file result, and small field parsers.

A reader turns one file into :class:`FileResult`: the papers it could read, a
:class:`SkippedRecord` for every record it could not, and a :class:`SourceWarning` for every
record it kept with a change the user should hear of (a field cut to length). A reader raises
:class:`SourceError` only when the file as a whole cannot be read (not UTF-8, not well-formed
XML, no usable header...); :func:`kg.sources.read_papers` then reports that file as skipped
and reads the others.
"""

from __future__ import annotations

import bz2
import codecs
import datetime as _dt
import errno
import gzip
import io
import json
import lzma
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AnyStr, TypeVar

from kg.records import Paper, paper_id_for
from kg.sources.latex import latex_to_text, looks_like_latex
from kg.text import collapse_spaces, is_web_address, safe_text

T = TypeVar("T")


class SourceError(Exception):
    """An input as a whole cannot be read; the message is one sentence naming the path.

    ``location`` and ``reason`` say the same in two parts ("x.json:3:1", "not valid JSON
    (Expecting value)") for the report of a file skipped among others. When no input gave any
    papers, ``details`` holds one line for each file or folder saying why (the message then
    lists them too, one a line, after its first sentence).
    """

    def __init__(
        self,
        message: str,
        location: str | None = None,
        reason: str | None = None,
        details: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.location = location
        self.reason = reason
        self.details = details or []


@dataclass
class SourceNote:
    """Something the sources stage reports about one record, file or folder: where and what."""

    location: str  # "path:line", "path#record-number", or a file or folder path
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


class SkippedRecord(SourceNote):
    """A record (or a whole file or folder) that could not be used, and why it was skipped."""


class SourceWarning(SourceNote):
    """A record that was kept, but changed in a way the user should hear of (a field cut)."""


class RecordError(ValueError):
    """Raised inside a reader for one bad record; the reader turns it into a SkippedRecord."""


#: the skipped records of one file that are kept to be listed; later ones are only counted (a
#: note for each of the millions of empty records of a small gzip file took most of the 963 MB
#: its 10 MB of text cost)
MAX_SKIPPED_KEPT = 10_000


class SkippedRecords(list):
    """The skipped records of one file: the first :data:`MAX_SKIPPED_KEPT` of them, and in
    ``not_kept`` how many more there were."""

    def __init__(self, records: Iterable[SkippedRecord] = ()) -> None:
        super().__init__()
        self.not_kept = 0
        self.extend(records)

    def append(self, record: SkippedRecord) -> None:
        if len(self) < MAX_SKIPPED_KEPT:
            super().append(record)
        else:
            self.not_kept += 1

    def extend(self, records: Iterable[SkippedRecord]) -> None:
        for record in records:
            self.append(record)

    @property
    def total(self) -> int:
        """How many records were skipped, kept or not."""
        return len(self) + self.not_kept


@dataclass
class FileResult:
    """What one reader got out of one file."""

    papers: list[Paper] = field(default_factory=list)
    skipped: SkippedRecords = field(default_factory=SkippedRecords)
    warnings: list[SourceWarning] = field(default_factory=list)


def collect_records(
    path: Path, records: Iterable[T], to_paper: Callable[[T, str], Paper]
) -> FileResult:
    """Papers of numbered records (located as ``path#N``); a bad record is skipped, not fatal."""
    result = FileResult()
    for number, record in enumerate(records, 1):
        add_record(result, record, f"{path}#{number}", to_paper)
    return result


def add_record(result: FileResult, record: T, location: str, to_paper: Callable[[T, str], Paper]) -> None:
    """``record`` as a paper of ``result``, or, when it is no usable record, a skipped one."""
    try:
        result.papers.append(to_paper(record, location))
    except RecordError as exc:
        result.skipped.append(SkippedRecord(location, str(exc)))


#: compressions a paper file may come in, told by their first bytes, with the module that opens them
_COMPRESSIONS = ((b"\x1f\x8b", "gzip", gzip), (b"BZh", "bzip2", bz2), (b"\xfd7zXZ\x00", "xz", lzma))
#: extensions of compressed files: the one before it says the format ("papers.jsonl.gz")
COMPRESSED_SUFFIXES = frozenset({".gz", ".bz2", ".xz"})
#: the most a file may hold, or a compressed file unpack to: it is read in memory (text and
#: bytes: twice this at the peak); a small file that unpacks to gigabytes is a bomb
MAX_UNPACKED_BYTES = 1024**3
# JabRef writes the file's encoding on its first line: "% Encoding: ISO8859_1"
_DECLARED_ENCODING = re.compile(rb"^%\s*Encoding:\s*([A-Za-z0-9_.:-]+)", re.MULTILINE)


def input_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes, unpacked when gzip, bzip2 or xz compressed (at most ``limit`` of them
    when given: a file's start, to tell its format). A zip archive is a SourceError."""
    try:
        # without blocking: a file that says it is regular but whose read waits for data that
        # may never come (/proc/kmsg, some FUSE files) hung the run; it is now unreadable
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as handle:
            start = handle.read(6)
            if start is None:  # a non-blocking read with nothing to give
                raise BlockingIOError(errno.EAGAIN, "a read would wait for data that may never come", str(path))
            for magic, name, module in _COMPRESSIONS:
                if start.startswith(magic):
                    return _unpack(path, name, module, limit)
            handle.seek(0)
            size = os.fstat(handle.fileno()).st_size
            if limit is None and size > MAX_UNPACKED_BYTES:
                # read whole, as every reader does: a file of many gigabytes would take the
                # machine's memory before its first record
                reason = (f"{size / 1024**3:.1f} GiB, larger than the {MAX_UNPACKED_BYTES // 1024**3} GiB "
                          "kg reads in one file; split it into smaller files")
                raise SourceError(f"{path} is {reason}.", str(path), reason)
            data = handle.read() if limit is None else handle.read(max(limit, 512))
            _refuse_archive(path, data)
            return data if limit is None else data[:limit]
    except OSError as exc:
        raise unreadable(path, exc) from None


def _refuse_archive(path: Path, data: bytes) -> None:
    """A zip or tar archive holds files, not records: one line saying to unpack it."""
    kind = "zip" if data.startswith(b"PK\x03\x04") else "tar" if data[257:262] == b"ustar" else None
    if kind:
        reason = f"a {kind} archive; unpack it and give kg the folder"
        raise SourceError(f"{path} is {reason}.", str(path), reason)


def _read_bytes(path: Path) -> bytes:
    """:func:`input_bytes` as UTF-8 where kg can tell what they are: re-encoded from UTF-16 (a
    byte-order mark says so) or from the encoding a JabRef file declares; anything else as it
    is (UTF-8 is checked by the caller)."""
    return _recode(path, input_bytes(path))


def _unpack(path: Path, name: str, module, limit: int | None = None) -> bytes:
    try:
        with module.open(path, "rb") as packed:
            data = packed.read((MAX_UNPACKED_BYTES if limit is None else limit) + 1)
            if data.startswith(b"\x1f\x8b") and name == "gzip":  # compressed twice over
                with gzip.open(io.BytesIO(data)) as inner:
                    data = inner.read((MAX_UNPACKED_BYTES if limit is None else limit) + 1)
        _refuse_archive(path, data)
        if limit is not None:
            return data[:limit]
    except (EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
        reason = f"a damaged {name} file ({exc})"
        raise SourceError(f"{path} is {reason}.", str(path), reason) from None
    except OSError as exc:  # gzip's "Not a gzipped file", a truncated stream
        if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
            raise
        reason = f"a damaged {name} file ({exc})"
        raise SourceError(f"{path} is {reason}.", str(path), reason) from None
    if len(data) > MAX_UNPACKED_BYTES:
        reason = f"a {name} file that unpacks to more than {MAX_UNPACKED_BYTES // 1024**3} GiB"
        raise SourceError(f"{path} is {reason}.", str(path), reason)
    return data


def text_encoding(data: bytes) -> str | None:
    """The encoding ``data`` says it is in, when not UTF-8: a UTF-32 or UTF-16 byte-order mark
    (Excel's "Unicode text" is UTF-16), UTF-32 or UTF-16 without one (ASCII text with three zero
    bytes to each other one, or every other byte zero), or JabRef's "% Encoding:" among the
    comment lines it starts with."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE 00 00 starts both
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = data[:2000]
    if len(head) >= 16:
        # UTF-32 without a mark: ASCII text has three zero bytes to each character's one
        quarters = [head[i::4] for i in range(4)]
        zeros = [q.count(0) >= 0.9 * len(q) for q in quarters]
        if zeros == [False, True, True, True] and not quarters[0].count(0):
            return "utf-32-le"
        if zeros == [True, True, True, False] and not quarters[3].count(0):
            return "utf-32-be"
    if len(head) >= 8:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) >= 0.9 * len(odd) and not even.count(0):
            return "utf-16-le"
        if even.count(0) >= 0.9 * len(even) and not odd.count(0):
            return "utf-16-be"
    match = _DECLARED_ENCODING.search(data, 0, 1000)
    if match is None:
        return None
    before = data[: match.start()].removeprefix(codecs.BOM_UTF8)
    if any(line.strip() and not line.lstrip().startswith(b"%") for line in before.splitlines()):
        return None  # not among the comment lines the file opens with
    try:
        codec = codecs.lookup(match.group(1).decode("ascii").replace("_", "-"))
    except LookupError:
        return None
    # base64, hex, rot13 ... are codecs too, but of bytes to bytes or text to text: no charset
    if not getattr(codec, "_is_text_encoding", True):
        return None
    encoding = codec.name
    try:
        data.decode("utf-8")
        return None  # UTF-8 whatever the line says: Latin-1 text is almost never valid UTF-8
    except UnicodeDecodeError:
        return None if encoding == "utf-8" else encoding


def text_head(path: Path, size: int = 65536) -> str:
    """The start of a file as text, to tell its format (undecodable bytes replaced)."""
    data = input_bytes(path, limit=size)
    return data.decode(text_encoding(data) or "utf-8", errors="replace")


def _recode(path: Path, data: bytes) -> bytes:
    encoding = text_encoding(data)
    if encoding is None:
        return data
    try:
        return data.decode(encoding).encode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        if exc.reason not in ("truncated data", "unexpected end of data") or exc.end != len(data):
            reason = f"not {encoding} text as it says it is (byte {exc.start})"
            raise SourceError(f"{path} is {reason}.", str(path), reason) from None
        whole = exc.start  # everything before the error decoded
    # a file cut short in the middle of its last character (a copy stopped early) keeps the rest
    note_decoding(path, f"{encoding} text that ends in the middle of a character (cut short?): "
                         f"its last {len(data) - whole} byte(s) left out")
    return data[:whole].decode(encoding).encode("utf-8", "surrogatepass")


def read_text(path: Path) -> str:
    """The file's text as UTF-8 (a leading byte-order mark is dropped), as Windows-1252 when it
    is that throughout (:func:`windows_1252_text`, with a warning), or a SourceError."""
    return utf8_or_windows_1252(path, _read_bytes(path))


def utf8_or_windows_1252(path: Path, data: bytes) -> str:
    """The text of ``path``'s bytes ``data``: UTF-8 (a leading byte-order mark dropped), or
    Windows-1252 when it is that throughout (with a warning), or a SourceError."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = windows_1252_text(data)
        if text is None:
            raise _not_utf8(path, data, exc) from None
        _note_windows_1252(path, data, exc)
        return text


#: valid UTF-8 sequences of two to four bytes. A file holding one is UTF-8 with some damage;
# Windows-1252 writes each accented letter as one byte, so its text almost never forms one.
UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
# control bytes no text file holds (tab, line ends and form feed aside): a binary file
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def windows_1252_text(data: bytes) -> str | None:
    """``data``, which is not UTF-8, as Windows-1252 text (Latin-1 with typographic quotes: what
    Excel and older tools on Windows save) when it is that throughout: it holds no UTF-8
    sequence of several bytes, no control byte, and no byte Windows-1252 leaves undefined.
    None otherwise (UTF-8 with damaged lines, or not text), for the caller's own rule."""
    if UTF8_MULTIBYTE.search(data) or _CONTROL_BYTES.search(data):
        return None
    try:
        return data.removeprefix(codecs.BOM_UTF8).decode("cp1252")
    except UnicodeDecodeError:
        return None


# The warnings of the file being read, when read_papers collects them (decoding_notes).
_decoding_notes: ContextVar[list[SourceWarning] | None] = ContextVar("kg_decoding_notes", default=None)


@contextmanager
def decoding_notes() -> Iterator[list[SourceWarning]]:
    """Collects, while a reader runs, a warning for each file it read in a fallback encoding:
    the reader's callers see its papers, and the user hears how their text was decoded."""
    notes: list[SourceWarning] = []
    token = _decoding_notes.set(notes)
    try:
        yield notes
    finally:
        _decoding_notes.reset(token)


def _note_windows_1252(path: Path, data: bytes, exc: UnicodeDecodeError) -> None:
    note_decoding(path, (
        f"not UTF-8 (line {_line_of(data, exc)} is the first that is not): read as Windows-1252 (Latin-1); "
        "re-save the file as UTF-8 if its accented letters look wrong"))


def note_decoding(path: Path, reason: str) -> None:
    """A warning of how the file being read was decoded, once a file (a reader may read it twice)."""
    notes = _decoding_notes.get()
    location = str(path)
    if notes is None or any(note.location == location for note in notes):
        return
    notes.append(SourceWarning(location, reason))


def _line_of(data: bytes, exc: UnicodeDecodeError) -> int:
    """The line of ``data`` (from 1) where decoding it failed."""
    return data[: exc.start].count(b"\n") + 1


def _not_utf8(path: Path, data: bytes, exc: UnicodeDecodeError) -> SourceError:
    line = _line_of(data, exc)
    reason = f"not UTF-8 text (byte {exc.start}); re-save it as UTF-8"
    return SourceError(f"{path}:{line} is {reason}.", f"{path}:{line}", reason)


#: what a line-based reader records for a line that is not UTF-8
NOT_UTF8_LINE = "not UTF-8 text; re-save the file as UTF-8"


def one_line_break(text: AnyStr) -> AnyStr:
    """``text`` with old Mac line ends (a lone CR, as classic EndNote and Excel wrote them) as
    LF, when it has no LF at all; text that has LF keeps any CR it holds (inside a value)."""
    lf, cr = ("\n", "\r") if isinstance(text, str) else (b"\n", b"\r")
    return text.replace(cr, lf) if cr in text and lf not in text else text  # type: ignore[arg-type]


def read_lines(path: Path, keep_bad: bool = False) -> tuple[list[str], set[int]]:
    """The file's lines (split at "\n" only, a leading byte-order mark dropped) and the numbers
    of those that are not UTF-8, which come back empty (with ``keep_bad``, with U+FFFD for the
    bytes that are not, so a record's structure stays): in a file of one record a line, one badly
    encoded record is skipped, not the file. A file in Windows-1252 throughout is read as that
    (:func:`windows_1252_text`, with a warning); one whose lines are mostly not UTF-8 otherwise
    is in another encoding altogether: one SourceError, as read_text."""
    data = one_line_break(_read_bytes(path).removeprefix(b"\xef\xbb\xbf"))
    try:
        return data.decode("utf-8").split("\n"), set()
    except UnicodeDecodeError as exc:
        first_error = exc
    text = windows_1252_text(data)
    if text is not None:
        _note_windows_1252(path, data, first_error)
        return text.split("\n"), set()
    lines: list[str] = []
    bad: set[int] = set()
    for number, raw in enumerate(data.split(b"\n"), 1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(raw.decode("utf-8", errors="replace") if keep_bad else "")
            bad.add(number)
    readable = sum(1 for number, line in enumerate(lines, 1) if line.strip() and number not in bad)
    if len(bad) > readable or not readable:
        raise _not_utf8(path, data, first_error)
    return lines, bad


def unreadable(path: Path, exc: OSError) -> SourceError:
    """The SourceError for a file the system will not let kg read."""
    why = exc.strerror or str(exc)
    return SourceError(f"Cannot read {path}: {why}.", str(path), f"cannot read the file ({why})")


def json_int(digits: str) -> int | str:
    # Python refuses to convert integers of more than 4300 digits (a ValueError in the middle of
    # json.loads); no count or year is that long, so such a number stays text and is ignored.
    return int(digits) if len(digits) <= 100 else digits


def json_decoder() -> json.JSONDecoder:
    """The decoder of paper files: absurdly long integers are read as text instead of failing,
    and a tab or line break left raw inside a string (scraped text often has them; strict JSON
    refuses them) is read as written."""
    return json.JSONDecoder(parse_int=json_int, strict=False)


def load_json(text: str) -> object:
    """``json.loads`` with :func:`json_decoder`'s leniencies."""
    return json.loads(text, parse_int=json_int, strict=False)


class LineNumbers:
    """The line of each position of one text (str or bytes), for positions met mostly in order:
    each answer counts only the line breaks between the position asked before and this one, so
    reading a file record by record stays linear, where counting from the start of the text
    each time made a file of many broken records take time in its square."""

    def __init__(self, text: str | bytes) -> None:
        self._text = text
        self._newline: str | bytes = "\n" if isinstance(text, str) else b"\n"
        self._position, self._line = 0, 1

    def at(self, position: int) -> int:
        """The line (from 1) that ``position`` is on."""
        if position >= self._position:
            self._line += self._text.count(self._newline, self._position, position)  # type: ignore[arg-type]
        else:
            self._line -= self._text.count(self._newline, position, self._position)  # type: ignore[arg-type]
        self._position = position
        return self._line


#: what lies between JSON values written one after another: white space, commas
_BETWEEN_VALUES = re.compile(r"[\s,]*")


#: characters of text a JSON value is first decoded from (doubled while the value runs past them)
_RECORD_WINDOW = 8_192
#: characters of the longest JSON token a window can cut without the error saying so at its end
#: ("false", a "\uXXXX" escape), with room to spare
_LONGEST_TOKEN = 8


def decode_at(decoder: json.JSONDecoder, text: str, position: int) -> tuple[Any, int]:
    """The JSON value starting at ``position`` and where it ends, as ``raw_decode`` gives them,
    but read from a window of the text that grows only while the value runs past it: an error
    from ``raw_decode`` counts the lines from the start of the text it is given, which made
    every broken record of a long array cost the whole text before it. The error raised has the
    message and the position in ``text`` of the JSONDecodeError."""
    size = _RECORD_WINDOW
    while True:
        window = text[position : position + size]
        whole = position + size >= len(text)
        try:
            value, end = decoder.raw_decode(window)
            return value, position + end
        except json.JSONDecodeError as exc:
            # an error near the window's end ("tr" of a cut "true", a cut "\u" escape), or a
            # string the window cuts, may be the window's
            cut_short = exc.pos >= len(window) - _LONGEST_TOKEN or exc.msg.startswith("Unterminated string")
            if whole or not cut_short:
                raise DecodeError(exc.msg, position + exc.pos) from None
            size *= 2


class DecodeError(ValueError):  # noqa: N818 (named as the JSONDecodeError it stands for)
    """A JSONDecodeError's message and position, without the line count from the text's start
    that building a JSONDecodeError over the whole text would take."""

    def __init__(self, msg: str, pos: int) -> None:
        super().__init__(msg)
        self.msg, self.pos = msg, pos


def load_json_values(text: str, broken: list[tuple[int, str]] | None = None) -> list[tuple[int, object]]:
    """The JSON values written one after another in ``text`` (pretty-printed objects, commas
    between them allowed), each with the line it starts on. A broken value raises ValueError,
    unless ``broken`` is given: then its line and the decoder's message go there, and reading
    goes on at the next line that starts with "{"."""
    decoder = json_decoder()
    values: list[tuple[int, object]] = []
    position = 0
    lines = LineNumbers(text)
    while True:
        position = _BETWEEN_VALUES.match(text, position).end()  # type: ignore[union-attr]
        if position >= len(text):
            return values
        line = lines.at(position)
        try:
            value, position = decode_at(decoder, text, position)
        except DecodeError as exc:
            if broken is None:
                raise json.JSONDecodeError(exc.msg, text, exc.pos) from None
            broken.append((line, f"{exc.msg.removesuffix(' at')} at line {lines.at(exc.pos)}"))
            restart = text.find("\n{", position + 1)
            if restart == -1:
                return values
            position = restart + 1
            continue
        values.append((line, value))


def clean_text(value: object) -> str:
    """Text safe for every output (:func:`kg.text.safe_text`), runs of whitespace made one space."""
    if value is None:
        return ""
    return collapse_spaces(safe_text(str(value)))


# ----------------------------------------------------------------------------- dates

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T ])")
#: ISO 8601's basic form, "20240115" (some exports and file names date so)
_ISO_BASIC_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:$|T)")
_ISO_MONTH = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$")
_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
# a year standing alone in free text ("circa 2020", "Spring 2021", "03/11/2020"), in PLAUSIBLE_YEARS
_LONE_YEAR = re.compile(r"(?<![\d.])(1[5-9]\d\d|2[01]\d\d)(?![\d.])")


def iso_date(year: int, month: int, day: int) -> str | None:
    """``YYYY-MM-DD`` for a real calendar day, else None (so "Feb 30" never reaches the graph)."""
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


#: the years a paper's date may have (those a year in free text may have, too): years outside
#: are placeholders ("0000", "0001-01-01", "9999-12-31")
PLAUSIBLE_YEARS = range(1500, 2200)


def plausible_year(year: int) -> bool:
    """Whether ``year`` can date a paper (:data:`PLAUSIBLE_YEARS`). A placeholder year would
    also stretch every chart of papers over time across centuries."""
    return year in PLAUSIBLE_YEARS


def parse_date(value: object) -> tuple[str | None, int | None]:
    """(ISO date, year) from the date spellings sources use; either may be None.

    A value that gives only a year or a month ("2024", "2024-03") yields a year and no date,
    because inventing a day would be a guess dressed up as data. A year that cannot date a
    paper (:func:`plausible_year`) gives neither.
    """
    date, year = _parse_date(value)
    if year is not None and not plausible_year(year):
        return None, None
    return date, year


def _basic_day(text: str) -> tuple[str, int] | None:
    """(ISO date, year) of a date in ISO's basic form when it is a real day, else None."""
    match = _ISO_BASIC_DAY.match(text)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    iso = iso_date(year, month, day)
    return (iso, year) if iso else None


def _parse_date(value: object) -> tuple[str | None, int | None]:
    if value is None or isinstance(value, bool):
        return None, None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # "year": 2021.0, as spreadsheets and pandas write it
    if isinstance(value, int):
        if 1000 <= value <= 9999:
            return None, value
        if 10_000_101 <= value <= 99_991_231 and (day := _basic_day(str(value))):
            return day
        # seconds (or milliseconds) since 1970, as some APIs give a date: 2001 to 2100
        for seconds in (value, value // 1000):
            if 978_307_200 <= seconds < 4_102_444_800:
                day = _dt.datetime.fromtimestamp(seconds, _dt.timezone.utc).date()
                return day.isoformat(), day.year
        return None, None
    if isinstance(value, float):
        return None, None
    text = clean_text(value)
    if not text:
        return None, None
    if re.fullmatch(r"\d{4}\.0+", text):
        text = text.split(".")[0]  # "2021.0": a year column that went through a float
    if match := _ISO_DAY.match(text):
        year, month, day = (int(g) for g in match.groups())
        return iso_date(year, month, day), year
    if match := _ISO_MONTH.match(text):
        return None, int(match.group(1))
    if day := _basic_day(text):
        return day
    if match := _MONTH_DAY_YEAR.match(text):
        named = MONTHS.get(match.group(1).lower())
        year = int(match.group(3))
        return (iso_date(year, named, int(match.group(2))) if named else None), year
    if match := _DAY_MONTH_YEAR.match(text):
        named = MONTHS.get(match.group(2).lower())
        year = int(match.group(3))
        return (iso_date(year, named, int(match.group(1))) if named else None), year
    # Free text that states one year, and one only, still dates the paper to that year; the
    # day is not guessed ("03/11/2020" could be March or November).
    years = set(_LONE_YEAR.findall(text))
    if len(years) == 1:
        return None, int(years.pop())
    return None, None


# ----------------------------------------------------------------------------- arXiv ids

# New-style ids are YYMM.NNNN(N); old-style ids are archive(.SUBJ)/YYMMNNN.
_NEW_ID = r"\d{2}(?:0[1-9]|1[0-2])\.\d{4,5}"
_OLD_ID = r"[a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7}"
_ARXIV_ID = rf"(?P<id>{_NEW_ID}|{_OLD_ID})(?:v\d+)?"
_WHOLE_ID = re.compile(
    rf"^(?:arxiv:\s*|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/"
    rf"|(?:https?://(?:dx\.)?doi\.org/)?10\.48550/arxiv\.)?{_ARXIV_ID}(?:\.pdf)?/?$",
    re.IGNORECASE,
)
_ID_IN_TEXT = re.compile(
    rf"(?:arxiv:\s*|arxiv\.org/(?:abs|pdf|html)/|10\.48550/arxiv\.){_ARXIV_ID}", re.IGNORECASE
)


def arxiv_id_from(value: object, *, in_text: bool = False) -> str | None:
    """The version-less arXiv id in ``value``, or None.

    By default ``value`` must be nothing but an id (``2401.01234v2``, ``arXiv:2401.01234``,
    an arxiv.org abs/pdf URL or the arXiv DOI). With ``in_text`` the id may sit inside
    free text such as a BibTeX ``journal = {arXiv preprint arXiv:2401.01234}``, but then it must
    be marked as arXiv, so that other dotted numbers are never taken for one.
    """
    if isinstance(value, float) and not in_text:
        value = repr(value)  # "arxiv_id": 2301.08243 in JSON; one that lost its zeros is no id (below)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    match = (_ID_IN_TEXT.search(text) if in_text else None) or _WHOLE_ID.match(text)
    if not match:
        return None
    found = match.group("id")
    if "/" not in found:
        yymm, _, number = found.partition(".")
        if (yymm >= "1501") != (len(number) == 5):
            # five digits from January 2015 on, four before: "2301.0824" is a number that lost
            # its last zero ("arxiv_id": 2301.08240 in JSON), naming another paper, so no id
            return None
    else:  # old style: the archive is lower case ("hep-th"), a subject class upper ("math.GT")
        archive, _, number = found.partition("/")
        name, dot, subject = archive.partition(".")
        found = f"{name.lower()}{dot}{subject.upper()}/{number}"
    return found


def arxiv_url(arxiv_id: str | None) -> str | None:
    return f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None


# ----------------------------------------------------------------------------- authors

_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def split_authors(value: object) -> list[str]:
    """Author names from a list (of names, ``{"name": ...}`` or CSL-JSON's ``{"given": ...,
    "family": ...}``), one such object, or one string.

    A string is split on ";" if present, else on " and ", and then on commas where they separate names ("Edward J. Hu, Yelong Shen and Phillip Wallis",
    as the arXiv metadata writes them). "Last, First" becomes "First Last"; "others" (BibTeX's
    "et al.") is dropped.
    """
    if value is None:
        return []
    if isinstance(value, dict):  # one author, written as an object rather than a list of one
        value = [value]
    if isinstance(value, list):
        names = []
        for item in value:
            if isinstance(item, dict):
                given, family = item.get("given"), item.get("family")
                parts = [p for p in (given, family) if isinstance(p, str)]
                item = item.get("name") or item.get("fullname") or item.get("literal") or " ".join(parts)
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, list):  # a list of lists: the names one level down
                names.extend(one for one in item if isinstance(one, str))
    elif isinstance(value, str):
        names = value.split(";") if ";" in value else _AND.split(value)
    else:
        return []
    out: list[str] = []
    for name in (one for part in names for one in comma_names(clean_text(part))):
        if name and name.lower() not in ("others", "et al.", "et al"):
            out.append(name)
    return out


_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def comma_names(text: str) -> list[str]:
    """The names in one author string that may hold commas: "Lee, Ann" (last name first) is
    "Ann Lee"; "Ann Lee, Bo Chen" (every piece a full name) is two names; "Lee, Ann, Chen, Bo"
    (one-word last names, each followed by its first names) is two names too."""
    pieces = [piece.strip() for piece in text.split(",")]
    pieces = [piece for piece in pieces if piece and piece.lower() != "and"]
    if (len(pieces) == 3 and _is_name_suffix(pieces[1]) and not _is_name_suffix(pieces[2])
            and min(len(pieces[0].split()), len(pieces[2].split())) == 1):
        # BibTeX's "King, Jr., Martin Luther"; "Martin Luther King, Jr., Ada Lovelace" is two
        return [clean_text(f"{pieces[2]} {pieces[0]} {pieces[1]}")]
    # a suffix ends the name it follows, wherever it stands: "Martin Luther King, Jr.",
    # "King, Martin Luther, Jr.", "Martin Luther King, Jr., Ada Lovelace" (one pass: a string
    # of thousands of ", Jr" must not recurse once for each)
    bases: list[str] = []
    suffixes: list[list[str]] = []
    for piece in pieces:
        if bases and _is_name_suffix(piece):
            suffixes[-1].append(piece)
        else:
            bases.append(piece)
            suffixes.append([])
    names = _names_of_pieces(bases)
    # "Last, First" pairs make one name of two pieces, and take the suffixes of both
    step = len(bases) // len(names) if names else 1
    return [" ".join([name, *(x for group in suffixes[i * step:(i + 1) * step] for x in group)])
            for i, name in enumerate(names)]


def _is_name_suffix(piece: str) -> bool:
    return piece.lower().rstrip(".") in _NAME_SUFFIXES


def _names_of_pieces(pieces: list[str]) -> list[str]:
    if len(pieces) <= 1:
        return pieces
    if all(len(piece.split()) >= 2 for piece in pieces):
        return pieces
    if len(pieces) % 2 == 0 and all(len(piece.split()) == 1 for piece in pieces[0::2]):
        return [clean_text(f"{first} {last}") for last, first in zip(pieces[0::2], pieces[1::2])]
    return [clean_text(f"{pieces[1]} {pieces[0]}")] if len(pieces) == 2 else pieces


#: the largest count kept: Neo4j stores 64-bit integers
MAX_COUNT = 2**63 - 1


def to_int(value: object) -> int | None:
    """A count (0 to :data:`MAX_COUNT`) from an int or a string of ASCII digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        # length first: int() of thousands of digits is refused (and slow) before it is too big
        if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_COUNT)):
            return None
        value = int(text)
    if isinstance(value, int) and 0 <= value <= MAX_COUNT:
        return value
    return None


# ----------------------------------------------------------------------------- field lengths

#: longest abstract kept, in characters: twenty times arXiv's limit (1,920). Extraction takes
#: about 50 KB of memory a token while a text goes through the concept tagger, and a text of
#: one-letter words has a token for every two characters: 40,000 characters stay near 1 GB
#: (100,000 took 2.9 GB)
MAX_TEXT_CHARS = 40_000
#: longest title or author name kept
MAX_NAME_CHARS = 1_000
#: the longest run of punctuation without a space kept in an abstract
MAX_PUNCTUATION_RUN = 100
_PUNCTUATION_RUN = re.compile(rf"[^\w\s]{{{MAX_PUNCTUATION_RUN + 1},}}")
#: the longest word (run without a space) kept in an abstract: spaCy's tokenizer splits a
#: suffix off such a run one at a time, so a 40,000-character "x's's's…" took two minutes,
#: where runs of 500 take milliseconds; no URL or chemical name of an abstract is that long
MAX_WORD_CHARS = 500
_LONG_WORD = re.compile(rf"\S{{{MAX_WORD_CHARS + 1},}}")
#: longest URL kept; a longer one is dropped rather than cut, since a cut URL leads nowhere
MAX_URL_CHARS = 2_000


def cut_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a sentence or word end when there is one."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    sentence_end = head.rfind(". ", limit // 2)
    if sentence_end != -1:
        return head[: sentence_end + 1]
    word_end = head.rfind(" ", limit // 2)
    return head[:word_end] if word_end != -1 else text[:limit]


def limit_lengths(paper: Paper) -> list[str]:
    """Cut the paper's overlong fields in place; one reason for each field cut or dropped."""
    reasons = []

    def cut(what: str, text: str, limit: int) -> str:
        kept = cut_text(text, limit)
        if kept != text:
            reasons.append(
                f"{what} has {len(text):,} characters; cut to the first {len(kept):,} "
                f"(kg keeps up to {limit:,})"
            )
        return kept

    title = cut("the title", paper.title, MAX_NAME_CHARS)
    if title != paper.title:
        if paper.id == paper_id_for(paper.title, paper.arxiv_id):
            paper.id = paper_id_for(title, paper.arxiv_id)
        paper.title = title
    paper.abstract = cut("the abstract", paper.abstract, MAX_TEXT_CHARS)
    # spaCy's tokenizer takes time in the square of such a run's length (20,000 brackets: half
    # a minute), and no abstract says anything with one
    for pattern, limit, what in ((_PUNCTUATION_RUN, MAX_PUNCTUATION_RUN, "run(s) of punctuation"),
                                 (_LONG_WORD, MAX_WORD_CHARS, "word(s)")):
        runs = pattern.findall(paper.abstract)
        if runs:
            paper.abstract = pattern.sub(lambda m, limit=limit: m.group()[:limit], paper.abstract)
            reasons.append(f"the abstract has {len(runs):,} {what} over {limit} characters without a space "
                           f"(the longest {max(map(len, runs)):,}); each cut to its first {limit}")
    paper.authors = [cut(f"author {n}", name, MAX_NAME_CHARS) for n, name in enumerate(paper.authors, 1)]
    if paper.url and len(paper.url) > MAX_URL_CHARS:
        reasons.append(f"the URL has {len(paper.url):,} characters (kg keeps up to {MAX_URL_CHARS:,}); left out")
        paper.url = arxiv_url(paper.arxiv_id)
    long_links = [link for link in paper.links if len(link) > MAX_URL_CHARS]
    if long_links:
        reasons.append(f"{len(long_links):,} link(s) over {MAX_URL_CHARS:,} characters (the longest "
                       f"{max(map(len, long_links)):,}); left out")
        paper.links = [link for link in paper.links if len(link) <= MAX_URL_CHARS]
    return reasons


def json_kind(value: object) -> str:
    """What a JSON value is, in JSON's words: "a number", "an object", "null"."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def make_paper(
    *,
    title: object,
    source: str,
    abstract: object = "",
    published: object = None,
    year: object = None,
    url: object = None,
    arxiv_id: str | None = None,
    authors: list[str] | None = None,
    author_count: int | None = None,
    upvotes: int | None = None,
    doi: object = None,
    openalex_id: object = None,
    venue: object = None,
    references: object = None,
    links: object = None,
) -> Paper:
    """A :class:`Paper` from loosely typed fields; raises RecordError when there is no title."""
    if title is not None and not isinstance(title, str):
        raise RecordError(f"the title is not text but {json_kind(title)}")
    clean_title = _plain(clean_text(title))
    # A title of punctuation or symbols only (emoji) would give every such record the same id
    # and make them one paper: papers are told apart by their titles' letters and digits.
    if not clean_title:
        raise RecordError("no title")
    if not re.search(r"\w", clean_title):
        raise RecordError("the title has no letter or digit")
    if abstract is not None and not isinstance(abstract, str):
        raise RecordError(f"the abstract is not text but {json_kind(abstract)}")
    iso, parsed_year = parse_date(published)
    if year is not None and iso is None:
        # a full date carries its own year (a venue's later year beside an arXiv date would
        # leave year and month disagreeing); "year" dates the records without one
        _, given_year = parse_date(year if isinstance(year, (int, float)) else str(year).strip())
        parsed_year = given_year or parsed_year
    authors = [_plain(name) for name in authors or []]
    clean_url = clean_text(url) if isinstance(url, str) else ""
    return Paper(
        title=clean_title,
        abstract=_plain(clean_text(abstract)),
        published=iso,
        year=parsed_year,
        url=clean_url or arxiv_url(arxiv_id),
        arxiv_id=arxiv_id,
        authors=authors,
        author_count=author_count if author_count is not None else (len(authors) or None),
        upvotes=upvotes,
        source=source,
        doi=clean_doi(doi),
        openalex_id=clean_openalex_id(openalex_id),
        venue=clean_text(venue) or None if isinstance(venue, str) else None,
        references=_strings(references),
        links=[link for link in _strings(links) if is_web_address(link)],
    )


def _plain(text: str) -> str:
    """``text`` without its LaTeX, when it has some (arXiv writes titles and abstracts so), and
    without the inline HTML or JATS markup of scholarly APIs (:func:`without_inline_markup`)."""
    text = without_inline_markup(text)
    return latex_to_text(text, keep_unknown=True) if looks_like_latex(text) else text


# An inline element with its end tag: what Crossref, OpenAlex and publishers' exports put in
# titles and abstracts ("H<sub>2</sub>O", "<i>In vivo</i>", "<scp>BERT</scp>", JATS's
# "<jats:italic>"). Only such pairs go: a lone "<sup>" or "<SEG>" token is text.
_INLINE_MARKUP = re.compile(
    r"<((?:jats:|mml:)?(?:i|b|em|strong|sub|sup|scp|sc|u|tt|small|italic|bold|underline|sans-serif|monospace))"
    r"(?:\s[^<>]*)?>([^<]*)</\1\s*>",
    re.IGNORECASE,
)


def without_inline_markup(text: str) -> str:
    """``text`` with each inline element of HTML or JATS ("<i>k</i>-means", "H<sub>2</sub>O")
    replaced by its content, nested ones too; other angle brackets stay text."""
    if "</" not in text:
        return text
    for _ in range(4):  # "<i><sub>2</sub></i>": the inner pair first
        plainer = _INLINE_MARKUP.sub(r"\2", text)
        if plainer == text:
            break
        text = plainer
    return text


def _strings(value: object) -> list[str]:
    """Distinct non-empty strings of a list (or of one string), in order."""
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    # a dict keeps the order and finds a repeat at once (a list scan made 80,000 references
    # take time in their square)
    out: dict[str, None] = {}
    for item in items:
        text = clean_text(item) if isinstance(item, str) else ""
        if text:
            out.setdefault(text)
    return list(out)


_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_OPENALEX = re.compile(r"^(?:https?://openalex\.org/)?(W\d+)$", re.IGNORECASE)


def clean_doi(value: object) -> str | None:
    """A DOI without its resolver prefix, lower-cased (DOIs are case-insensitive), or None."""
    # a control character or a lone surrogate in it means a damaged value, not a DOI
    match = _DOI.match(value.strip()) if isinstance(value, str) and safe_text(value) == value else None
    return match.group(1).lower() if match else None


def clean_openalex_id(value: object) -> str | None:
    """An OpenAlex work id (``W2741809807``) from the id or its https://openalex.org/ URL."""
    match = _OPENALEX.match(value.strip()) if isinstance(value, str) else None
    return match.group(1).upper() if match else None
