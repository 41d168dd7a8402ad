"""arXiv API responses: Atom XML (format ``arxiv``).

Each ``<entry>`` gives ``title``, ``summary`` (the abstract), ``published``, ``id``
(``http://arxiv.org/abs/2401.01234v2``, read as arXiv id ``2401.01234``), ``author/name`` and
``link`` elements, with ``arxiv:doi`` and ``arxiv:journal_ref`` (the venue). The API reports a
bad query as an entry whose id points at ``/api/errors``; such an entry is skipped with the
API's message. arXiv's listing feeds (``rss.arxiv.org/atom/...``) are Atom too: their authors
come in one ``dc:creator`` and their summaries open with "arXiv:ID Announce Type: new Abstract:",
which is left out. A feed that is not well formed (a download cut short, an undefined entity in
one summary) is read an entry at a time: a broken entry is skipped with its line, not the feed.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from xml.parsers import expat
from pathlib import Path

from kg.records import Paper
from kg.sources.base import (
    add_record,
    collect_records,
    FileResult,
    LineNumbers,
    RecordError,
    SkippedRecord,
    SourceError,
    SourceWarning,
    arxiv_id_from,
    clean_text,
    input_bytes,
    make_paper,
    split_authors,
    text_encoding,
)

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DUBLIN_CORE = "{http://purl.org/dc/elements/1.1/}"
# arXiv's listing feeds (rss.arxiv.org/atom/cs.LG) open every summary with the announcement
_ANNOUNCEMENT = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s+Abstract:\s*", re.IGNORECASE)


def _text(element: ET.Element, tag: str) -> str:
    child = element.find(tag)
    return clean_text("".join(child.itertext())) if child is not None else ""


def entry_to_paper(entry: ET.Element, location: str) -> Paper:
    """One Atom entry as a Paper; raises RecordError for API error entries and untitled ones."""
    entry_id = _text(entry, f"{ATOM}id")
    if "/api/errors" in entry_id:
        raise RecordError(f"the arXiv API reported an error: {_text(entry, f'{ATOM}summary') or entry_id}")
    url = None
    for link in entry.findall(f"{ATOM}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            url = link.get("href")
            break
    arxiv_id = arxiv_id_from(entry_id) or arxiv_id_from(url) or arxiv_id_from(_text(entry, f"{ARXIV}doi"))
    authors = [
        name for author in entry.findall(f"{ATOM}author") if (name := _text(author, f"{ATOM}name"))
    ]
    if not authors:  # the listing feeds name them in one Dublin Core creator element
        authors = split_authors(_text(entry, f"{DUBLIN_CORE}creator"))
    return make_paper(
        title=_text(entry, f"{ATOM}title"),
        abstract=_ANNOUNCEMENT.sub("", _text(entry, f"{ATOM}summary")),
        published=_text(entry, f"{ATOM}published") or _text(entry, f"{ATOM}updated") or None,
        url=url or (entry_id if entry_id.startswith("http") else None),
        arxiv_id=arxiv_id,
        authors=authors,
        source=location,
        doi=_text(entry, f"{ARXIV}doi") or None,
        venue=_text(entry, f"{ARXIV}journal_ref") or None,
    )


def _parse_error(exc: ET.ParseError, line_offset: int = 0) -> tuple[int, int, str]:
    line, column = exc.position
    # the parser's own message ends with "line N, column M", which the location says already
    return line + line_offset, column + 1, str(exc).split(":")[0]


def _not_well_formed(path: Path, error: ET.ParseError) -> SourceError:
    line, column, reason = _parse_error(error)
    where, why = f"{path}:{line}:{column}", f"not well-formed XML ({reason})"
    return SourceError(f"{where} is {why}.", where, why)


#: expat's error code for entities that expand past its amplification limit (expat 2.4 and later)
_AMPLIFICATION_LIMIT = expat.errors.codes.get(getattr(expat.errors, "XML_ERROR_AMPLIFICATION_LIMIT_BREACH", ""), -1)
_DECLARED_XML_ENCODING = re.compile(r"""(\A\s*<\?xml[^>]*?\bencoding\s*=\s*["'])[^"']*(["'])""")
_FEED_START = re.compile(rb"<((?:[\w.-]+:)?feed)\b[^>]*>")
_ENTRY_OPEN = re.compile(rb"<(?:[\w.-]+:)?entry[\s>]")
_ENTRY_CLOSE = re.compile(rb"</(?:[\w.-]+:)?entry\s*>")
_XML_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml\b[^>]*\?>")
#: a DOCTYPE with its internal subset ([...]: declarations, whose quoted values may hold "]")
_DOCTYPE = re.compile(rb"""<!DOCTYPE\b[^\[>]*(?:\[(?:[^\]"']|"[^"]*"|'[^']*')*\])?\s*>""")
#: longest DOCTYPE parsed again with each entry of a broken feed
_MAX_REPEATED_DOCTYPE = 65_536


def _entries_one_by_one(path: Path, data: bytes, error: ET.ParseError) -> FileResult:
    """The entries of a feed that is not well formed as a whole (cut short in a download, an
    undefined entity in one summary), each parsed on its own inside the feed's start tag: a bad
    entry is skipped with its line, the others kept. No entry to read is the first error."""
    feed = _FEED_START.search(data)
    opens = [match.start() for match in _ENTRY_OPEN.finditer(data)]
    if feed is None or not opens:
        raise _not_well_formed(path, error)
    # what each entry is parsed inside: the XML declaration (the encoding), a DOCTYPE (the
    # entities the summaries use) and the feed's start tag (the namespaces); not the comments
    # or instructions before the feed, which every entry would parse again (a megabyte of
    # comment and thousands of broken entries took minutes)
    declaration = _XML_DECLARATION.match(data)
    doctype = _DOCTYPE.search(data, 0, feed.start())
    result = FileResult()
    if doctype is not None and len(doctype.group()) > _MAX_REPEATED_DOCTYPE:
        result.warnings.append(SourceWarning(str(path), (
            f"a DOCTYPE of {len(doctype.group()):,} bytes, too long to parse again for each entry: "
            "left out, so entries that use its entities are skipped")))
        doctype = None
    before = b"".join([declaration.group() if declaration else b"",
                       doctype.group() if doctype else b"", feed.group()])
    after = b"</" + feed.group(1) + b">"
    broken = 0
    lines = LineNumbers(data)
    for index, start in enumerate(opens):
        line = lines.at(start)
        chunk = data[start : opens[index + 1] if index + 1 < len(opens) else len(data)]
        closes = list(_ENTRY_CLOSE.finditer(chunk))
        if closes:  # what follows the entry's end tag (the feed's) is not the entry's
            chunk = chunk[: closes[-1].end()]
        location = f"{path}#{index + 1}"
        try:
            entry = ET.fromstring(before + chunk + after)[0]
        except ET.ParseError as exc:
            broken += 1
            bad_line, _, reason = _parse_error(exc, line - 1 - before.count(b"\n"))
            why = (f"{reason}, line {bad_line}" if closes or index + 1 < len(opens)
                   else "the file ends inside it: cut short?")
            result.skipped.append(SkippedRecord(
                location, f"the entry at line {line} is not well-formed XML ({why})"))
            continue
        add_record(result, entry, location, entry_to_paper)
    if not result.papers:
        raise _not_well_formed(path, error)
    if not broken:  # the fault is outside every entry (the feed's end tag missing)
        line, column, reason = _parse_error(error)
        result.warnings.append(SourceWarning(
            f"{path}:{line}:{column}", f"not well-formed XML ({reason}); its entries were read one at a time"))
    return result


def _as_expat_reads(data: bytes) -> bytes:
    """UTF-32 text as UTF-8, its declaration saying so: expat reads UTF-8 and UTF-16 itself
    (with what encodings a declaration names), not UTF-32."""
    encoding = text_encoding(data)
    if not encoding or not encoding.startswith("utf-32"):
        return data
    text = data.decode(encoding).removeprefix("\ufeff")
    return _DECLARED_XML_ENCODING.sub(r"\1UTF-8\2", text, count=1).encode("utf-8", "surrogatepass")


def read_arxiv(path: Path) -> FileResult:
    """Papers from an arXiv API Atom feed. A feed that is not well formed as a whole is read an
    entry at a time (a bad one is skipped); XML without any entry to read is a SourceError."""
    try:
        data = _as_expat_reads(input_bytes(path))  # also when compressed
        root = ET.parse(io.BytesIO(data)).getroot()
    except ET.ParseError as exc:
        if exc.code == _AMPLIFICATION_LIMIT:
            # entities that expand a hundredfold (a "billion laughs"): read entry by entry, each
            # one under expat's limit, they would still take the memory the limit guards
            raise _not_well_formed(path, exc) from None
        return _entries_one_by_one(path, data, exc)
    except OSError as exc:
        raise SourceError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    except (LookupError, ValueError) as exc:
        # e.g. an XML declaration naming an encoding Python does not know
        raise SourceError(f"{path} cannot be decoded as XML ({exc}).") from None
    if root.tag == f"{ATOM}feed":
        entries = root.findall(f"{ATOM}entry")
    elif root.tag == f"{ATOM}entry":
        entries = [root]
    else:
        if root.tag in ("feed", "entry"):  # written by hand, or by a tool that drops namespaces
            raise SourceError(f"{path} has a <{root.tag}> without the Atom namespace (xmlns=\"{ATOM[1:-1]}\"), "
                              "which every Atom feed declares.")
        raise SourceError(f"{path} is XML but not an Atom feed (its root element is <{root.tag}>).")
    return collect_records(path, entries, entry_to_paper)
