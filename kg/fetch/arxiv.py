"""The arXiv API (``/api/query``): an Atom feed, paged with ``start`` and ``max_results``.

The query is arXiv's own syntax (``cat:cs.LG AND abs:JEPA``); categories and a date range are
added as ``cat:`` and ``submittedDate:[... TO ...]`` clauses. Results are sorted by submission
date, oldest first, so that the pages already read do not shift when new papers arrive and a
stopped run resumes at its ``start``. The feed's OpenSearch elements give the total.
arXiv asks for at most one request every three seconds; the client keeps to that.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

from kg.fetch.base import Page, Query, QueryError, make_record
from kg.fetch.http import FetchError, HttpClient, HttpError
from kg.sources.base import arxiv_id_from, clean_text

BASE_URL = "https://export.arxiv.org/api"
MIN_INTERVAL = 3.0
#: the API serves at most this many results per request
MAX_PAGE = 2000
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
#: an empty page before the total is reached is retried this many times (arXiv does that under load)
EMPTY_PAGE_RETRIES = 2


def search_query(query: Query) -> str:
    """The ``search_query`` parameter: the terms, the categories and the date range, ANDed."""
    clauses = []
    if query.text:
        clauses.append(f"({query.text})")
    if query.categories:
        clauses.append("(" + " OR ".join(f"cat:{c}" for c in query.categories) + ")")
    if query.since or query.until:
        start = query.since.strftime("%Y%m%d") + "0000" if query.since else "199101010000"
        end = query.until.strftime("%Y%m%d") + "2359" if query.until else "300012312359"
        clauses.append(f"submittedDate:[{start} TO {end}]")
    if not clauses:
        raise QueryError("An arXiv fetch needs a query, a --category or a date range.")
    text = " AND ".join(clauses)
    # a single clause needs no parentheses of its own
    return text[1:-1] if len(clauses) == 1 and text.startswith("(") else text


def _text(element: ET.Element, tag: str) -> str:
    child = element.find(tag)
    return clean_text("".join(child.itertext())) if child is not None else ""


def entry_record(entry: ET.Element) -> dict[str, Any]:
    """One Atom entry as a fetched record; ``ValueError`` (the reason) when unusable."""
    entry_id = _text(entry, f"{ATOM}id")
    arxiv_id = arxiv_id_from(entry_id)
    if not arxiv_id:
        raise ValueError(f"no arXiv id in entry id {entry_id!r}")
    return make_record(
        title=_text(entry, f"{ATOM}title"),
        abstract=_text(entry, f"{ATOM}summary"),
        authors=[_text(a, f"{ATOM}name") for a in entry.findall(f"{ATOM}author")],
        published=_text(entry, f"{ATOM}published") or None,
        url=f"https://arxiv.org/abs/{arxiv_id}",
        arxiv_id=arxiv_id,
        doi=_text(entry, f"{ARXIV}doi") or None,
        venue=_text(entry, f"{ARXIV}journal_ref") or None,
    )


def _int(root: ET.Element, tag: str) -> int | None:
    try:
        return int(_text(root, tag))
    except ValueError:
        return None


def _error_message(body: bytes) -> str:
    """The summary of an API error entry in ``body``, or ""."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return ""
    for entry in root.iter(f"{ATOM}entry"):
        if "/api/errors" in _text(entry, f"{ATOM}id"):
            return _text(entry, f"{ATOM}summary")
    return ""


class ArxivSource:
    name = "arxiv"

    def __init__(self, client: HttpClient) -> None:
        self.client = client

    def pages(self, query: Query, state: dict[str, Any] | None) -> Iterator[Page]:
        params = {"search_query": search_query(query), "sortBy": "submittedDate", "sortOrder": "ascending"}
        start = int((state or {}).get("start", 0))
        empty_tries = 0
        while True:
            size = min(query.page_size, MAX_PAGE)
            if query.max_results is not None:
                size = min(size, query.max_results - start)
                if size <= 0:
                    return
            try:
                body = self.client.get("query", {**params, "start": start, "max_results": size})
            except HttpError as err:
                if err.status == 404:  # no API there: the address is wrong, not the query
                    raise FetchError(f"{err}; is the arXiv API address right (--base-url, KG_FETCH_ARXIV_URL)?") from None
                # arXiv explains a bad query in an Atom entry of a 400 answer
                raise QueryError(f"arXiv rejected the query: {_error_message(err.body) or err}") from None
            try:
                root = ET.fromstring(body)
            except ET.ParseError as err:
                raise FetchError(
                    f"{self.client.host} sent a page that is not well-formed XML ({err}); "
                    "run the same command again to retry it."
                ) from None
            if root.tag != f"{ATOM}feed":
                raise FetchError(f"{self.client.host} sent <{root.tag}>, not an Atom feed; is the arXiv URL right?")
            entries = root.findall(f"{ATOM}entry")
            for entry in entries:
                if "/api/errors" in _text(entry, f"{ATOM}id"):
                    raise QueryError(f"arXiv rejected the query: {_text(entry, f'{ATOM}summary')}.")
            total = _int(root, f"{OPENSEARCH}totalResults")
            if total is not None and query.max_results is not None:
                total = min(total, query.max_results)
            if not entries:
                if total is not None and start < total and empty_tries < EMPTY_PAGE_RETRIES:
                    empty_tries += 1
                    continue
                yield Page([], None, total, position=start)
                return
            empty_tries = 0
            records, skipped = [], []
            if query.max_results is not None:  # a server that sends more than asked for
                entries = entries[: query.max_results - start]
            for entry in entries:
                try:
                    records.append(entry_record(entry))
                except ValueError as err:
                    skipped.append(str(err))
            start += len(entries)
            done = (total is not None and start >= total) or (
                query.max_results is not None and start >= query.max_results)
            yield Page(records, None if done else {"start": start}, total, skipped, position=start)
            if done:
                return
