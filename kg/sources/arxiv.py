"""arXiv API responses: Atom XML (format ``arxiv``).

Each ``<entry>`` gives ``title``, ``summary`` (the abstract), ``published``, ``id``
(``http://arxiv.org/abs/2401.01234v2``, read as arXiv id ``2401.01234``), ``author/name`` and
``link`` elements, with ``arxiv:doi`` and ``arxiv:journal_ref`` (the venue). The API reports a
bad query as an entry whose id points at ``/api/errors``; such an entry is skipped with the
API's message. arXiv's listing feeds (``rss.arxiv.org/atom/...``) are Atom too: their authors
come in one ``dc:creator`` and their summaries open with "arXiv:ID Announce Type: new Abstract:",
which is left out.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from kg.records import Paper
from kg.sources.base import (
    collect_records,
    FileResult,
    RecordError,
    SourceError,
    arxiv_id_from,
    clean_text,
    input_bytes,
    make_paper,
    split_authors,
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


def read_arxiv(path: Path) -> FileResult:
    """Papers from an arXiv API Atom feed; XML that is not well formed is a SourceError."""
    try:
        root = ET.parse(io.BytesIO(input_bytes(path))).getroot()  # also when compressed
    except ET.ParseError as exc:
        line, column = exc.position
        # the parser's own message ends with "line N, column M", which the location already says
        reason = str(exc).split(":")[0]
        raise SourceError(f"{path}:{line}:{column + 1} is not well-formed XML ({reason}).") from None
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
        raise SourceError(f"{path} is XML but not an Atom feed (its root element is <{root.tag}>).")
    return collect_records(path, entries, entry_to_paper)
