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

import bisect
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
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
    UTF8_MULTIBYTE,
    arxiv_id_from,
    clean_text,
    input_bytes,
    make_paper,
    note_decoding,
    split_authors,
    text_encoding,
    utf8_or_windows_1252,
)

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DUBLIN_CORE = "{http://purl.org/dc/elements/1.1/}"
# arXiv's listing feeds (rss.arxiv.org/atom/cs.LG) open every summary with the announcement
_ANNOUNCEMENT = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s+Abstract:\s*", re.IGNORECASE)


#: elements of (X)HTML inside a summary that break a line: their words are not joined across
_LINE_BREAKING = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr"})


def _breaks(element: ET.Element) -> bool:
    return isinstance(element.tag, str) and element.tag.rpartition("}")[2].lower() in _LINE_BREAKING


def _pieces(element: ET.Element) -> Iterator[str]:
    """The text of ``element``, a space where a line-breaking child stands ("and<br/>breaks"),
    walked without recursion (a summary may nest elements thousands deep)."""
    yield element.text or ""
    # the open elements, each with its children still to walk; the element's tail follows them
    stack: list[tuple[ET.Element | None, Iterator[ET.Element]]] = [(None, iter(element))]
    while stack:
        owner, children = stack[-1]
        child = next(children, None)
        if child is not None:
            yield (" " if _breaks(child) else "") + (child.text or "")
            stack.append((child, iter(child)))
            continue
        stack.pop()
        if owner is not None:
            tail = owner.tail or ""
            yield (" " if _breaks(owner) and tail[:1].isalnum() else "") + tail


def _text(element: ET.Element, tag: str) -> str:
    child = element.find(tag)
    return clean_text("".join(_pieces(child))) if child is not None else ""


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
#: the name that opens the feed's start tag (the tag runs to the first ">" after it)
_FEED_NAME = re.compile(rb"<((?:[\w.-]+:)?feed)\b")
_ENTRY_OPEN = re.compile(rb"<(?:[\w.-]+:)?entry[\s>]")
_ENTRY_CLOSE = re.compile(rb"</(?:[\w.-]+:)?entry\s*>")
_XML_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml\b[^>]*\?>")
_ENCODING_ATTRIBUTE = re.compile(rb"""\bencoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_NAMESPACE_ATTRIBUTE = re.compile(rb"""\sxmlns(?::[\w.-]+)?\s*=\s*(?:"[^"<]*"|'[^'<]*')""")
#: a DOCTYPE with its internal subset ([...]: declarations, whose quoted values may hold "]")
_DOCTYPE = re.compile(rb"""<!DOCTYPE\b[^\[>]*(?:\[(?:[^\]"']|"[^"]*"|'[^']*')*\])?\s*>""")
#: longest DOCTYPE parsed again with each entry of a broken feed
_MAX_REPEATED_DOCTYPE = 65_536
#: longest XML declaration or feed start tag parsed again with each entry as it is written;
#: longer ones are written again with only what an entry needs (the encoding, the namespaces)
_MAX_REPEATED_TAG = 4_096
#: what comments and CDATA sections open with: an "<entry>" inside them is text
_HIDDEN_OPEN = re.compile(rb"<!--|<!\[CDATA\[")
_HIDDEN_CLOSE = {b"<!--": b"-->", b"<![CDATA[": b"]]>"}


def _feed_start(data: bytes) -> tuple[int, bytes, bytes] | None:
    """Where the feed's start tag is, the tag and its element name, found in linear time (a
    pattern searched from every "<feed" of a file without ">" took time in the square of its
    length)."""
    name = _FEED_NAME.search(data)
    end = data.find(b">", name.end()) if name else -1
    return None if name is None or end < 0 else (name.start(), data[name.start() : end + 1], name.group(1))


def _hidden_spans(data: bytes) -> list[tuple[int, int]]:
    """Where the comments and CDATA sections of ``data`` are (an unclosed one runs to the end)."""
    spans, position = [], 0
    while opening := _HIDDEN_OPEN.search(data, position):
        close = data.find(_HIDDEN_CLOSE[opening.group()], opening.end())
        position = len(data) if close < 0 else close + len(_HIDDEN_CLOSE[opening.group()])
        spans.append((opening.start(), position))
    return spans


def _outside(starts: list[int], spans: list[tuple[int, int]]) -> list[int]:
    """The ``starts`` (ascending) that fall in none of the ``spans`` (ascending, disjoint)."""
    kept, index = [], 0
    for start in starts:
        while index < len(spans) and spans[index][1] <= start:
            index += 1
        if index == len(spans) or start < spans[index][0]:
            kept.append(start)
    return kept


def _short_prologue(declaration: bytes, feed_tag: bytes, feed_name: bytes) -> tuple[bytes, bytes]:
    """The XML declaration and feed start tag as each entry needs them: as written when short;
    a long one keeps only the encoding, or the namespace declarations."""
    if len(declaration) > _MAX_REPEATED_TAG:
        encoding = _ENCODING_ATTRIBUTE.search(declaration)
        declaration = b'<?xml version="1.0"' + (b' encoding="' + encoding.group(1) + b'"' if encoding else b"") + b"?>"
    if len(feed_tag) > _MAX_REPEATED_TAG:
        feed_tag = b"<" + feed_name + b"".join(m.group() for m in _NAMESPACE_ATTRIBUTE.finditer(feed_tag)) + b">"
    return declaration, feed_tag


def _expanded_chars(element: ET.Element) -> int:
    """Characters of text and attribute values an element holds, its children included."""
    return sum(len(node.text or "") + len(node.tail or "") + sum(map(len, node.attrib.values()))
               for node in element.iter())


def _entries_one_by_one(path: Path, data: bytes, error: ET.ParseError) -> FileResult:
    """The entries of a feed that is not well formed as a whole (cut short in a download, an
    undefined entity in one summary), each parsed on its own inside the feed's start tag: a bad
    entry is skipped with its line, the others kept. No entry to read is the first error."""
    feed = _feed_start(data)
    # an "<entry>" in a comment or a CDATA section is text, not an entry
    hidden = _hidden_spans(data)
    opens = _outside([match.start() for match in _ENTRY_OPEN.finditer(data)], hidden)
    # where each end tag outside them ends
    closes = [data.index(b">", start) + 1 for start in
              _outside([match.start() for match in _ENTRY_CLOSE.finditer(data)], hidden)]
    if feed is None or not opens:
        raise _not_well_formed(path, error)
    feed_at, feed_tag, feed_name = feed
    # what each entry is parsed inside: the XML declaration (the encoding), a DOCTYPE (the
    # entities the summaries use) and the feed's start tag (the namespaces); not the comments
    # or instructions before the feed, which every entry would parse again (a megabyte of
    # comment and thousands of broken entries took minutes), and each of them bounded
    declaration = _XML_DECLARATION.match(data)
    doctype_at = data.find(b"<!DOCTYPE", 0, feed_at)  # a document has one DOCTYPE at most
    doctype = _DOCTYPE.match(data, doctype_at, feed_at) if doctype_at >= 0 else None
    result = FileResult()
    if doctype is not None and len(doctype.group()) > _MAX_REPEATED_DOCTYPE:
        result.warnings.append(SourceWarning(str(path), (
            f"a DOCTYPE of {len(doctype.group()):,} bytes, too long to parse again for each entry: "
            "left out, so entries that use its entities are skipped")))
        doctype = None
    declaration_text, feed_tag = _short_prologue(declaration.group() if declaration else b"", feed_tag, feed_name)
    before = b"".join([declaration_text, doctype.group() if doctype else b"", feed_tag])
    after = b"</" + feed_name + b">"
    # entities may expand each entry under expat's limits (it counts each parse on its own):
    # all the entries together get the budget expat gives a whole document
    expansion_budget = 100 * len(data) + 8 * 2**20 if doctype is not None else None
    broken = 0
    lines = LineNumbers(data)
    for index, start in enumerate(opens):
        line = lines.at(start)
        stop = opens[index + 1] if index + 1 < len(opens) else len(data)
        # what follows the entry's last end tag (the feed's) is not the entry's
        last_close = closes[bisect.bisect_right(closes, stop) - 1] if closes else -1
        closed = last_close > start
        chunk = data[start : last_close if closed else stop]
        location = f"{path}#{index + 1}"
        try:
            entry = ET.fromstring(before + chunk + after)[0]
        except ET.ParseError as exc:
            broken += 1
            bad_line, _, reason = _parse_error(exc, line - 1 - before.count(b"\n"))
            why = (f"{reason}, line {bad_line}" if closed or index + 1 < len(opens)
                   else "the file ends inside it: cut short?")
            result.skipped.append(SkippedRecord(
                location, f"the entry at line {line} is not well-formed XML ({why})"))
            continue
        if expansion_budget is not None:
            expansion_budget -= _expanded_chars(entry)
            if expansion_budget < 0:
                result.skipped.append(SkippedRecord(location, (
                    f"the entries from line {line} on were not read: the DOCTYPE's entities expand "
                    "them to over 100 times the file's size (an entity-expansion attack?)")))
                break
        add_record(result, entry, location, entry_to_paper)
    if not result.papers:
        raise _not_well_formed(path, error)
    if not broken:  # the fault is outside every entry (the feed's end tag missing)
        line, column, reason = _parse_error(error)
        result.warnings.append(SourceWarning(
            f"{path}:{line}:{column}", f"not well-formed XML ({reason}); its entries were read one at a time"))
    return result


#: encodings of one byte a character that a feed may declare, and mean UTF-8 by
_LATIN_ENCODINGS = frozenset({"latin-1", "latin1", "iso-8859-1", "iso8859-1", "iso-8859-15", "windows-1252",
                              "cp1252", "us-ascii", "ascii"})


def _as_expat_reads(path: Path, data: bytes) -> bytes:
    """The feed as UTF-8 bytes whose declaration says so, where that is what it is: expat does
    not read UTF-32, and a broken feed is searched for its entries as UTF-8 bytes (a UTF-16 feed
    with one bad entry lost them all). A feed declared Latin-1 that is UTF-8 throughout became
    mojibake without a word, one declared UTF-16 in bytes of one was refused, and one in
    Windows-1252 declared UTF-8 (or not declared) lost each entry with an accent: each is read
    as what it is, with a warning, as in other formats."""
    encoding = text_encoding(data)
    if encoding and encoding.startswith(("utf-32", "utf-16")):
        text = data.decode(encoding, errors="replace").removeprefix("\ufeff")
    else:
        declaration = _XML_DECLARATION.match(data)
        named = _ENCODING_ATTRIBUTE.search(declaration.group()) if declaration else None
        declared = named.group(1).decode("ascii").lower() if named else "utf-8"
        if declared in ("utf-8", "utf8"):
            try:
                data.decode("utf-8")
                return data  # what it says it is, the common case
            except UnicodeDecodeError:
                pass
            try:
                text = utf8_or_windows_1252(path, data)
            except SourceError:
                return data  # damaged lines: the entries that hold them are skipped
        else:
            # UTF-8's letters under a Latin-1 name, or a UTF-16 name on bytes that are not
            # UTF-16 (text_encoding found none above)
            mislabelled = ((declared in _LATIN_ENCODINGS and UTF8_MULTIBYTE.search(data))
                           or declared.startswith(("utf-16", "utf16", "utf-32", "utf32", "ucs")))
            text = None
            if not mislabelled:
                try:
                    # what it says it is, in an encoding of several bytes a character that
                    # expat does not read (Shift JIS, UTF-7) or one of its own
                    text = data.decode(declared)
                except LookupError:
                    return data  # an unknown name: expat's to report
                except UnicodeError:  # not in that encoding (or a codec that refuses to decode)
                    pass
            if text is None:
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError:
                    return data  # neither: the entries that do not parse are skipped
                note_decoding(path, f"declared {declared} but UTF-8 throughout: read as UTF-8")
    return _DECLARED_XML_ENCODING.sub(r"\1UTF-8\2", text, count=1).encode("utf-8", "surrogatepass")


def read_arxiv(path: Path) -> FileResult:
    """Papers from an arXiv API Atom feed. A feed that is not well formed as a whole is read an
    entry at a time (a bad one is skipped); XML without any entry to read is a SourceError."""
    try:
        data = _as_expat_reads(path, input_bytes(path))  # also when compressed
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
