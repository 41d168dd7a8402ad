"""The OpenAlex works API (``/works``), paged with a cursor.

The query terms go to ``search``; a date range becomes ``from_publication_date`` /
``to_publication_date`` filters and ``--filter`` adds any other OpenAlex filter (a topic
``topics.id:T10028``, a concept ``concepts.id:C154945302`` ...). Each answer's
``meta.next_cursor`` is where the next page starts, so a stopped run resumes from the cursor it
saved. ``KG_FETCH_EMAIL`` is sent as ``mailto`` (OpenAlex's polite pool) and
``KG_FETCH_OPENALEX_KEY`` as ``api_key``, which OpenAlex asks for beyond a few test calls.
Abstracts come as an inverted index (word -> positions) and are put back in order;
``referenced_works`` become the record's ``references``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kg.fetch.base import Page, Query, QueryError, listed, make_record
from kg.fetch.http import FetchError, HttpClient
from kg.sources.base import arxiv_id_from
from kg.sources.jsonrec import abstract_from_index

BASE_URL = "https://api.openalex.org"
MIN_INTERVAL = 0.1
MAX_PAGE = 100
#: the fields kg uses; asking only for them keeps every page small
SELECT = (
    "id,doi,title,display_name,publication_date,publication_year,authorships,primary_location,"
    "locations,abstract_inverted_index,referenced_works"
)


def _arxiv_id(work: Mapping[str, Any]) -> str | None:
    """The arXiv id of a work, from its DOI (10.48550/arXiv.X) or an arxiv.org location."""
    found = arxiv_id_from(work.get("doi"))
    if found:
        return found
    for location in listed(work.get("locations")):
        if isinstance(location, Mapping):
            for key in ("landing_page_url", "pdf_url"):
                found = arxiv_id_from(location.get(key))
                if found:
                    return found
    return None


def work_record(work: object) -> dict[str, Any]:
    """One OpenAlex work as a fetched record; ``ValueError`` (the reason) when unusable."""
    if not isinstance(work, Mapping):
        raise ValueError(f"a result that is not an object ({type(work).__name__})")
    primary = work.get("primary_location") if isinstance(work.get("primary_location"), Mapping) else {}
    source = primary.get("source") if isinstance(primary.get("source"), Mapping) else {}
    authors = [
        a["author"].get("display_name")
        for a in listed(work.get("authorships"))
        if isinstance(a, Mapping) and isinstance(a.get("author"), Mapping) and a["author"].get("display_name")
    ]
    references = [r for r in listed(work.get("referenced_works")) if isinstance(r, str)]
    arxiv_id = _arxiv_id(work)
    url = primary.get("landing_page_url") or work.get("doi") or work.get("id")
    return make_record(
        title=work.get("title") or work.get("display_name"),
        abstract=abstract_from_index(work.get("abstract_inverted_index")),
        authors=authors,
        published=work.get("publication_date"),
        year=work.get("publication_year"),
        url=url if isinstance(url, str) else None,
        arxiv_id=arxiv_id,
        doi=work.get("doi"),
        openalex_id=work.get("id"),
        venue=source.get("display_name"),
        references=[r.rsplit("/", 1)[-1] for r in references],
    )


class OpenAlexSource:
    name = "openalex"

    def __init__(self, client: HttpClient, email: str | None = None, api_key: str | None = None) -> None:
        self.client = client
        self.email = email
        self.api_key = api_key

    def params(self, query: Query) -> dict[str, Any]:
        filters = list(query.filters)
        if query.since:
            filters.append(f"from_publication_date:{query.since.isoformat()}")
        if query.until:
            filters.append(f"to_publication_date:{query.until.isoformat()}")
        if not query.text and not filters:
            raise QueryError("An OpenAlex fetch needs search words, a --filter or a date range.")
        return {
            "search": query.text or None,
            "filter": ",".join(filters) or None,
            "select": SELECT,
            "per_page": min(query.page_size, MAX_PAGE),
            "mailto": self.email,
            "api_key": self.api_key,
        }

    def pages(self, query: Query, state: dict[str, Any] | None) -> Iterator[Page]:
        params = self.params(query)
        cursor = (state or {}).get("cursor", "*")
        seen = int((state or {}).get("seen", 0))
        while True:
            if query.max_results is not None:
                if seen >= query.max_results:
                    return
                params["per_page"] = min(params["per_page"], query.max_results - seen)
            data = self.client.get_json("works", {**params, "cursor": cursor})
            if not isinstance(data, dict) or not isinstance(data.get("results"), list):
                raise FetchError(f"{self.client.host} sent JSON without a results list; is the OpenAlex URL right?")
            meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
            total = meta.get("count") if isinstance(meta.get("count"), int) else None
            if total is not None and query.max_results is not None:
                total = min(total, query.max_results)
            records, skipped = [], []
            results = data["results"]
            if query.max_results is not None:  # a server that sends more than asked for
                results = results[: query.max_results - seen]
            for work in results:
                try:
                    records.append(work_record(work))
                except ValueError as err:
                    skipped.append(str(err))
            seen += len(results)
            next_cursor = meta.get("next_cursor")
            done = not data["results"] or not isinstance(next_cursor, str) or not next_cursor
            state = None if done else {"cursor": next_cursor, "seen": seen}
            yield Page(records, state, total, skipped, position=seen)
            if done:
                return
            cursor = next_cursor
