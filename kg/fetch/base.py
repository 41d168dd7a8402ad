"""What the fetch sources share: the query, a page of results, the record they write, dates.

A source turns a :class:`Query` into pages; each :class:`Page` carries the records it produced,
the records it had to skip (with the reason) and the state from which the next page is asked
for. The records are the JSON objects ``kg build`` reads (see :func:`make_record`).
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from kg.fetch.http import FetchError, HttpClient
from kg.records import paper_id_for
from kg.sources.base import clean_doi, clean_openalex_id, clean_text, parse_date

#: the fields of a fetched record, in the order they are written
RECORD_FIELDS = (
    "id", "title", "abstract", "authors", "published", "year", "url", "arxiv_id", "doi",
    "openalex_id", "venue", "references", "links", "upvotes",
)


class QueryError(FetchError):
    """The query or its options cannot be sent (a bad date, an empty query ...)."""


@dataclass
class Query:
    """One fetch request, whatever the source."""

    terms: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # arXiv categories (cs.LG ...)
    filters: list[str] = field(default_factory=list)  # OpenAlex filters (topics.id:T10028 ...)
    since: _dt.date | None = None
    until: _dt.date | None = None
    max_results: int | None = None
    page_size: int = 100

    @property
    def text(self) -> str:
        return " ".join(t for t in self.terms if t.strip()).strip()

    def describe(self) -> dict[str, Any]:
        """Every setting that changes which records come back (the key of the resume state)."""
        return {
            "terms": self.text,
            "categories": sorted(self.categories),
            "filters": sorted(self.filters),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


@dataclass
class Page:
    """One answer of an API."""

    records: list[dict[str, Any]]
    #: where the next page starts; None when the query is exhausted
    next_state: dict[str, Any] | None
    #: results the API says the query has (None when it does not say)
    total: int | None = None
    skipped: list[str] = field(default_factory=list)  # one reason per skipped record
    #: how far this page got, in the unit of ``total`` (results, or days for hf)
    position: int = 0


class Source(Protocol):
    """A paged API that turns a :class:`Query` into records."""

    name: str
    client: HttpClient

    def pages(self, query: Query, state: dict[str, Any] | None) -> Iterator[Page]:
        """Pages from ``state`` (None: from the start) until the query is exhausted."""
        ...


def listed(value: object) -> list[Any]:
    """``value`` when it is a list, else no items: an API field of another type (a number where
    a list of authors belongs) costs that field, not the record or its page."""
    return value if isinstance(value, list) else []


def make_record(
    *,
    title: object,
    abstract: object = "",
    authors: list[str] | None = None,
    published: object = None,
    year: object = None,
    url: str | None = None,
    arxiv_id: str | None = None,
    doi: object = None,
    openalex_id: object = None,
    venue: object = None,
    references: list[str] | None = None,
    links: list[str] | None = None,
    upvotes: object = None,
) -> dict[str, Any]:
    """A record as ``kg build`` reads it; raises ``ValueError`` (the reason) when unusable."""
    clean_title = clean_text(title) if isinstance(title, str) else ""
    if not clean_title or not re.search(r"\w", clean_title):
        raise ValueError("no title")
    iso, parsed_year = parse_date(published)
    if isinstance(year, int) and not isinstance(year, bool):
        parsed_year = parsed_year or year
    doi = clean_doi(doi)
    openalex_id = clean_openalex_id(openalex_id)
    record = {
        "id": arxiv_id or openalex_id or (f"doi:{doi}" if doi else None) or paper_id_for(clean_title),
        "title": clean_title,
        "abstract": clean_text(abstract) if isinstance(abstract, str) else "",
        "authors": [a for a in (clean_text(a) for a in authors or [] if isinstance(a, str)) if a],
        "published": iso,
        "year": parsed_year,
        "url": url,
        "arxiv_id": arxiv_id,
        "doi": doi,
        "openalex_id": openalex_id,
        "venue": clean_text(venue) or None if isinstance(venue, str) else None,
        "references": list(dict.fromkeys(references or [])),
        "links": list(dict.fromkeys(u.rstrip("/") for u in links or [] if isinstance(u, str) and u.strip())),
        "upvotes": upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool) else None,
    }
    return {k: record[k] for k in RECORD_FIELDS}


# ----------------------------------------------------------------------------- dates

_PERIOD = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")


def parse_period(value: str, *, end: bool = False) -> _dt.date:
    """The first (or with ``end`` the last) day of ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    Raises :class:`QueryError` for anything else, so ``--since 2023-13`` is one clear line.
    """
    match = _PERIOD.match(value.strip())
    if not match:
        raise QueryError(f"{value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD.")
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else (12 if end else 1)
    try:
        if match.group(3):
            return _dt.date(year, month, int(match.group(3)))
        day = calendar.monthrange(year, month)[1] if end else 1
        return _dt.date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        raise QueryError(f"{value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD.") from None
