"""One small HTTP client for every fetch source: timeouts, a minimum gap between requests,
and retries with exponential backoff on 429 and 5xx answers and on dropped connections.

Built on the standard library's ``urllib`` so that ``kg fetch`` adds no dependency, and so that
each source's base URL is a plain setting (tests point it at a local server). Errors come out as
:class:`FetchError`, one sentence naming the host and never a secret query parameter.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from kg import __version__

USER_AGENT = f"kg/{__version__} (kg fetch, a research-paper knowledge-graph builder)"
#: query parameters whose values never appear in a message
SECRET_PARAMS = ("api_key",)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: the largest answer read (a page of arXiv's 2,000 entries is about 4 MiB)
MAX_BODY_BYTES = 64 * 2**20


class FetchError(Exception):
    """A fetch failed for good; the message is one sentence for the user."""


class HttpError(FetchError):
    """The server refused the request itself (a 4xx other than 429); ``body`` says why."""

    def __init__(self, message: str, status: int, body: bytes) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class RateLimited(FetchError):
    """The server kept answering 429 after every retry."""


def redact(url: str) -> str:
    """``url`` with the values of :data:`SECRET_PARAMS`, and a password in it
    (``https://user:password@host``), replaced by ``***``."""
    for name in SECRET_PARAMS:
        url = re.sub(rf"([?&]{name}=)[^&#]*", r"\1***", url)
    return re.sub(r"^([a-z][a-z0-9+.-]*://[^/@:]*):[^/@]*@", r"\1:***@", url, flags=re.IGNORECASE)


@dataclass
class HttpClient:
    """GET requests against one base URL.

    Parameters
    ----------
    base_url : the API root (``https://export.arxiv.org/api``); paths are appended to it.
    min_interval : seconds between the starts of two requests (arXiv asks for 3).
    retries : further attempts after a 429, a 5xx, a timeout or a dropped connection.
    backoff : first wait before a retry, doubled each time (a ``Retry-After`` header that asks
        for longer is obeyed, up to ``max_wait``).
    timeout : seconds to wait for the server on each request.
    sleep, clock : injectable so that tests run without real waits.
    """

    base_url: str
    min_interval: float = 0.0
    retries: int = 4
    backoff: float = 2.0
    max_wait: float = 60.0
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    #: told one line before each wait for a retry ("... retrying in 4 s"), e.g. to print it
    on_retry: Callable[[str], None] | None = None
    requests: int = 0
    _last: float | None = field(default=None, repr=False)

    @property
    def host(self) -> str:
        """The server as messages name it: host and port, never a user name or password."""
        netloc = urllib.parse.urlsplit(self.base_url).netloc
        return netloc.rpartition("@")[2] or "the server"

    def url(self, path: str, params: Mapping[str, object] | None = None) -> str:
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/") if path else self.base_url
        clean = {k: str(v) for k, v in (params or {}).items() if v is not None and v != ""}
        return url + ("?" + urllib.parse.urlencode(clean) if clean else "")

    def _pace(self) -> None:
        if self._last is not None and self.min_interval > 0:
            wait = self._last + self.min_interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last = self.clock()

    def get_json(self, path: str = "", params: Mapping[str, object] | None = None, what: str = "") -> object:
        """The parsed JSON body of a GET; a body that is not JSON is a :class:`FetchError`
        (``what`` says which page, e.g. " for 2024-05-01")."""
        body = self.get(path, params)
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as err:
            raise FetchError(
                f"{self.host} sent a page that is not valid JSON{what} ({err}); "
                "run the same command again to retry it."
            ) from None

    def get(self, path: str = "", params: Mapping[str, object] | None = None) -> bytes:
        """The body of a successful GET; raises :class:`FetchError` once retries are spent.

        A 4xx other than 429 is not retried: the request itself is wrong (a bad query), and
        asking again gives the same answer. Its body is passed on in the error, since APIs
        explain there what was wrong.
        """
        url = self.url(path, params)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        wait = self.backoff
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            self._pace()
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return self._read(response)
            except urllib.error.HTTPError as err:
                if err.code not in RETRY_STATUSES:
                    body = _body(err)
                    raise HttpError(f"{self.host} answered HTTP {err.code} {err.reason} to {redact(url)}"
                                    f"{_detail(body)}", err.code, body) from None
                if last:
                    if err.code == 429:
                        raise RateLimited(
                            f"{self.host} kept answering 429 Too Many Requests after {self.retries + 1} tries; "
                            "wait a while and run the same command again (it resumes)."
                        ) from None
                    raise FetchError(
                        f"{self.host} answered HTTP {err.code} {err.reason} {self.retries + 1} times; "
                        "try again later (the fetch resumes where it stopped)."
                    ) from None
                self._wait(min(max(wait, _retry_after(err)), self.max_wait), f"HTTP {err.code}", attempt)
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, http.client.HTTPException) as err:
                reason = getattr(err, "reason", None) or err
                # a name that does not resolve stays unresolved for the seconds of the retries
                if last or isinstance(reason, socket.gaierror):
                    raise FetchError(
                        f"Cannot reach {self.host} ({reason}); check the network connection "
                        "and run the same command again (it resumes)."
                    ) from None
                self._wait(min(wait, self.max_wait), str(reason), attempt)
            wait *= 2
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


    def _read(self, response: http.client.HTTPResponse) -> bytes:
        """The whole body within ``timeout`` seconds and :data:`MAX_BODY_BYTES`: the socket's
        timeout bounds each read, and a server that sends a byte at a time never trips it."""
        deadline = time.monotonic() + self.timeout
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read1(65536):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise FetchError(f"{self.host} sent an answer of more than {MAX_BODY_BYTES // 2**20} MiB; "
                                 "is the base URL right?")
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise TimeoutError(f"the answer took more than {self.timeout:g} s to arrive")
        return b"".join(chunks)

    def _wait(self, seconds: float, why: str, attempt: int) -> None:
        if self.on_retry is not None:
            self.on_retry(f"{self.host}: {why}; retrying in {seconds:.0f} s (retry {attempt + 1} of {self.retries})")
        self.sleep(seconds)


def _retry_after(err: urllib.error.HTTPError) -> float:
    value = err.headers.get("Retry-After") if err.headers else None
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0  # an HTTP date: fall back to the backoff


def _body(err: urllib.error.HTTPError) -> bytes:
    try:
        return err.read(20000)
    except OSError:
        return b""


def _detail(body: bytes) -> str:
    """The start of an error body, tags removed (APIs say there what was wrong)."""
    text = " ".join(re.sub(r"<[^>]+>", " ", body.decode("utf-8", errors="replace")).split())
    return f": {text[:200]}" if text else ""
