"""The Hugging Face daily papers API (``/api/daily_papers?date=YYYY-MM-DD``), one day a page.

This is where the shared corpus came from: each day's list gives the paper's arXiv id, title,
abstract, authors, publication date and upvotes, and the GitHub repository and project page
its authors linked. Query words, when given, keep only the papers whose title or abstract
contains all of them (the API itself has no search); the others are counted as skipped.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Mapping
from typing import Any

from kg.fetch.base import Page, Query, QueryError, listed, make_record
from kg.fetch.http import FetchError, HttpClient
from kg.sources.base import arxiv_id_from

BASE_URL = "https://huggingface.co/api"
MIN_INTERVAL = 0.5
#: the longest range one command asks for, so a typo in a year does not mean 3,000 requests
MAX_DAYS = 366


def item_record(item: object) -> dict[str, Any]:
    """One daily-papers item (``{"paper": {...}, ...}``) as a fetched record."""
    if not isinstance(item, Mapping):
        raise ValueError(f"an item that is not an object ({type(item).__name__})")
    paper = item.get("paper") if isinstance(item.get("paper"), Mapping) else item
    arxiv_id = arxiv_id_from(paper.get("id"))
    authors = [a.get("name") for a in listed(paper.get("authors")) if isinstance(a, Mapping) and a.get("name")]
    links = [paper.get(k) for k in ("githubRepo", "projectPage") if isinstance(paper.get(k), str)]
    return make_record(
        title=paper.get("title") or item.get("title"),
        abstract=paper.get("summary") or item.get("summary") or "",
        authors=authors,
        published=paper.get("publishedAt") or item.get("publishedAt"),
        url=f"https://huggingface.co/papers/{arxiv_id}" if arxiv_id else None,
        arxiv_id=arxiv_id,
        links=links,
        upvotes=paper.get("upvotes"),
    )


def _matches(record: dict[str, Any], words: list[str]) -> bool:
    text = f"{record['title']} {record['abstract']}".lower()
    return all(word.lower() in text for word in words)


class HfDailySource:
    name = "hf"

    def __init__(self, client: HttpClient, today: _dt.date | None = None) -> None:
        self.client = client
        self.today = today or _dt.date.today()

    def days(self, query: Query) -> tuple[_dt.date, _dt.date]:
        if not query.since:
            raise QueryError("A Hugging Face fetch needs --since (a day, a month or a year), and maybe --until.")
        until = min(query.until or self.today, self.today)
        if until < query.since:
            raise QueryError(f"--until {until} is before --since {query.since}.")
        if (until - query.since).days + 1 > MAX_DAYS:
            raise QueryError(f"{query.since} to {until} is more than {MAX_DAYS} days; fetch it a year at a time.")
        return query.since, until

    def pages(self, query: Query, state: dict[str, Any] | None) -> Iterator[Page]:
        first, last = self.days(query)
        day = _dt.date.fromisoformat(state["date"]) if state and state.get("date") else first
        total_days = (last - first).days + 1
        words = query.text.split()
        kept = int((state or {}).get("kept", 0))
        while day <= last:
            if query.max_results is not None and kept >= query.max_results:
                return
            items = self.client.get_json("daily_papers", {"date": day.isoformat()}, f" for {day}")
            if not isinstance(items, list):
                raise FetchError(f"{self.client.host} sent JSON that is not a list of papers for {day}; "
                                 "is the Hugging Face URL right?")
            records, skipped = [], []
            for item in items:
                try:
                    record = item_record(item)
                except ValueError as err:
                    skipped.append(str(err))
                    continue
                if words and not _matches(record, words):
                    skipped.append("does not contain the query words")
                elif query.max_results is not None and kept >= query.max_results:
                    skipped.append("beyond --max")
                else:
                    records.append(record)
                    kept += 1
            day += _dt.timedelta(days=1)
            done = day > last
            state = None if done else {"date": day.isoformat(), "kept": kept}
            yield Page(records, state, total_days, skipped, position=(day - first).days)
