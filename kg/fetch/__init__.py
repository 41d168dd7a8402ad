"""The fetch stage: papers of a field from arXiv, OpenAlex or Hugging Face into a JSONL file.

It comes before the sources stage: :func:`fetch` asks a paged API for a :class:`Query`, turns
each answer into records (title, abstract, authors, dates, ids, venue, references, links) and
appends them to a :class:`~kg.fetch.store.JsonlStore`, which ``kg build`` then reads like any
JSONL file. Every source speaks through one :class:`~kg.fetch.http.HttpClient` (timeouts,
pacing, retries with backoff) whose base URL is a setting, ``KG_FETCH_<SOURCE>_URL``.

========  ===============================================  ==========================
source    API                                              module
========  ===============================================  ==========================
arxiv     arXiv API Atom feed, ``start`` paging             :mod:`kg.fetch.arxiv`
openalex  OpenAlex ``/works``, cursor paging                :mod:`kg.fetch.openalex`
hf        Hugging Face ``/api/daily_papers``, a day a page  :mod:`kg.fetch.hf`
========  ===============================================  ==========================
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from kg.fetch import arxiv, hf, openalex
from kg.fetch.base import Page, Query, QueryError, Source, parse_period
from kg.fetch.http import FetchError, HttpClient, RateLimited, redact
from kg.fetch.store import JsonlStore, query_key, record_keys

__all__ = [
    "SOURCES",
    "FetchError",
    "FetchSummary",
    "JsonlStore",
    "Query",
    "QueryError",
    "RateLimited",
    "fetch",
    "make_source",
    "parse_period",
]

SOURCES: tuple[str, ...] = ("arxiv", "openalex", "hf")
#: environment variable of each source's base URL, and its default
BASE_URLS: dict[str, tuple[str, str]] = {
    "arxiv": ("KG_FETCH_ARXIV_URL", arxiv.BASE_URL),
    "openalex": ("KG_FETCH_OPENALEX_URL", openalex.BASE_URL),
    "hf": ("KG_FETCH_HF_URL", hf.BASE_URL),
}
#: pages in a row holding only records this run has had already, after which a fetch stops
MAX_PAGES_WITHOUT_NEWS = 3
#: seconds between two requests to each source's real host
MIN_INTERVALS = {"arxiv": arxiv.MIN_INTERVAL, "openalex": openalex.MIN_INTERVAL, "hf": hf.MIN_INTERVAL}


def make_source(
    name: str,
    *,
    base_url: str | None = None,
    delay: float | None = None,
    retries: int = 4,
    backoff: float | None = None,
    timeout: float = 30.0,
    env: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[str], None] | None = None,
) -> Source:
    """A ready source: its client on ``base_url`` (else ``KG_FETCH_<NAME>_URL``, else the API's
    own URL), ``delay`` seconds between requests (else ``KG_FETCH_DELAY``, else what the API asks
    for, which is also the least used against the API's own host) and a first retry wait of
    ``backoff`` seconds (else ``KG_FETCH_BACKOFF``, else 2)."""
    env = os.environ if env is None else env
    if name not in SOURCES:
        raise QueryError(f"Unknown source {name!r}; choose one of {', '.join(SOURCES)}.")
    variable, default = BASE_URLS[name]
    url = base_url or env.get(variable) or default
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # raises for a port that is no number
    except ValueError as err:  # "http://[::1": an address urllib cannot take apart
        raise QueryError(f"The {name} base URL is not a valid URL ({err}).") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise QueryError(f"The {name} base URL {redact(url)!r} is not an http(s) URL.")
    if parts.username is not None or parts.password is not None:
        raise QueryError(f"The {name} base URL {redact(url)!r} holds a user name or password, which kg fetch "
                         "does not send; give it without them.")
    if delay is None and env.get("KG_FETCH_DELAY"):
        delay = _seconds(env["KG_FETCH_DELAY"], "KG_FETCH_DELAY")
    if backoff is None and env.get("KG_FETCH_BACKOFF"):
        backoff = _seconds(env["KG_FETCH_BACKOFF"], "KG_FETCH_BACKOFF")
    for value, what in ((delay, "the delay"), (backoff, "the backoff"), (timeout, "the timeout")):
        # NaN passes every comparison, so "at least the API's interval" would not hold for it
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise QueryError(f"{what.capitalize()} must be a finite number of seconds, not {value}.")
    if delay is None or (url == default and delay < MIN_INTERVALS[name]):
        # the public APIs' own limits are kept whatever is asked; other servers (a mirror,
        # the tests' fixture server) may be asked faster
        delay = MIN_INTERVALS[name]
    if backoff is None:
        backoff = 2.0
    client = HttpClient(url, min_interval=delay, retries=retries, backoff=backoff, timeout=timeout, sleep=sleep,
                        on_retry=on_retry)
    if name == "arxiv":
        return arxiv.ArxivSource(client)
    if name == "openalex":
        return openalex.OpenAlexSource(client, email=env.get("KG_FETCH_EMAIL") or None,
                                       api_key=env.get("KG_FETCH_OPENALEX_KEY") or None)
    return hf.HfDailySource(client)


def _seconds(text: str, variable: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise QueryError(f"{variable}={text!r} is not a number of seconds.") from None


@dataclass
class FetchSummary:
    """What one :func:`fetch` did."""

    source: str
    fetched: int = 0  # records the API returned and kg could read
    new: int = 0  # of those, written to the output
    duplicates: int = 0  # of those, already in the output
    skipped: Counter[str] = field(default_factory=Counter)  # unusable results, by reason
    pages: int = 0
    total: int | None = None  # results (days for hf) the API reported for the query
    position: int = 0  # how far the query got, in the unit of total
    resumed_at: int | None = None  # where a stopped run was picked up, in the same unit
    already_complete: bool = False
    complete: bool = False
    elapsed: float = 0.0

    @property
    def rate(self) -> float:
        return self.fetched / self.elapsed if self.elapsed > 0 else 0.0


def fetch(
    source: Source,
    query: Query,
    store: JsonlStore,
    progress: Callable[[FetchSummary], None] | None = None,
    restart: bool = False,
) -> FetchSummary:
    """Fetch ``query`` from ``source`` into ``store`` (opened), resuming where it stopped.

    The state of each query (keyed by source and query settings) is saved after every page,
    once the page's records are on disk. A query that ran to its end is not asked again unless
    ``restart``; a restarted query writes only the records the output does not hold yet.
    """
    summary = FetchSummary(source.name)
    described = query.describe()
    base_url = getattr(getattr(source, "client", None), "base_url", None)
    if base_url and base_url != BASE_URLS[source.name][1]:
        # the same query against another server (a mirror, a test server) is another query
        described["server"] = redact(base_url)
    key = query_key(source.name, described)
    saved = None if restart else store.state(key)
    if saved and saved.get("done"):
        summary.already_complete = summary.complete = True
        summary.total = saved.get("total")
        return summary
    resume = saved.get("next") if saved else None
    if resume:
        summary.resumed_at = int(saved.get("position") or 0)
    started = time.monotonic()
    page: Page
    # an API that answers the same page again (a cursor that comes back, a start it ignores)
    # would be asked forever: what this run has seen tells progress from a loop
    states_seen: set[str] = set()
    keys_seen: set[str] = set()
    pages_without_news = 0
    for page in source.pages(query, resume):
        for record in page.records:
            record["fetched_from"] = source.name
        news = False
        for record in page.records:
            own = record_keys(record)
            news = news or not own or not keys_seen.issuperset(own)
            keys_seen.update(own)
        pages_without_news = 0 if news or not page.records else pages_without_news + 1
        state = json.dumps(page.next_state, sort_keys=True, default=str)
        looping = page.next_state is not None and state in states_seen
        states_seen.add(state)
        new, duplicates = store.append(page.records)
        summary.pages += 1
        summary.fetched += len(page.records)
        summary.new += new
        summary.duplicates += duplicates
        summary.skipped.update(page.skipped)
        summary.total = page.total
        summary.position = page.position
        summary.complete = page.next_state is None
        store.save_state(key, {
            "source": source.name,
            "query": described,
            "next": page.next_state,
            "done": summary.complete,
            "position": page.position,
            "total": page.total,
            "updated": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        })
        summary.elapsed = time.monotonic() - started
        if progress:
            progress(summary)
        if looping or pages_without_news >= MAX_PAGES_WITHOUT_NEWS:
            why = ("sent back a page it had sent already" if looping else
                   f"answered {pages_without_news} pages in a row with records it had sent already")
            raise FetchError(f"{source.name} {why} (next: {state}): stopped, keeping the "
                             f"{summary.new} new records so far.")
    summary.elapsed = time.monotonic() - started
    return summary
