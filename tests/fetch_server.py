"""A local HTTP server on 127.0.0.1 that answers like arXiv, OpenAlex and Hugging Face, from the
fixture files in tests/data/fetch (each in its API's documented format).

Each route is a function ``(params, hit) -> (status, body, headers)``, where ``hit`` counts the
requests that route has had, so a test can script "429 first, then the page". Every request is
logged as ``(path, params)``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent / "data" / "fetch"

Response = tuple[int, bytes, dict[str, str]]
Route = Callable[[dict[str, str], int], Response]


#: a response header the server does not send: seconds to wait between the body's bytes
DRIP = "X-Test-Drip"


def fixture(name: str, status: int = 200, content_type: str | None = None) -> Response:
    body = (FIXTURES / name).read_bytes()
    kind = content_type or ("application/atom+xml; charset=utf-8" if name.endswith(".xml") else "application/json")
    return status, body, {"Content-Type": kind}


def arxiv_pages(params: dict[str, str], hit: int) -> Response:
    """The arXiv query route: pages by ``start`` (fixtures page-0 and page-3)."""
    return fixture(f"arxiv/page-{params.get('start', '0')}.xml")


def openalex_pages(params: dict[str, str], hit: int) -> Response:
    """The OpenAlex works route: pages by ``cursor`` (``*`` first, then the fixtures' next_cursor)."""
    cursor = params.get("cursor", "*")
    order = {"*": 1, "IlsxNjczODI3MjAwMDAwLCAnaHR0cHM6Ly9vcGVuYWxleC5vcmcvVzQzMTgwMDEwMDInXSI=": 2,
             "IlsxNzE0NDM1MjAwMDAwLCAnaHR0cHM6Ly9vcGVuYWxleC5vcmcvVzQzMTgwMDEwMDUnXSI=": 3}
    if cursor not in order:
        return 400, b'{"error": "Invalid cursor", "message": "cursor is not valid"}', {"Content-Type": "application/json"}
    return fixture(f"openalex/page-{order[cursor]}.json")


def hf_days(params: dict[str, str], hit: int) -> Response:
    """The daily papers route: the fixture of that date, or an empty day."""
    name = f"hf/{params.get('date')}.json"
    return fixture(name if (FIXTURES / name).is_file() else "hf/empty-day.json")


class FixtureServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {
            "/arxiv/api/query": arxiv_pages,
            "/openalex/works": openalex_pages,
            "/hf/api/daily_papers": hf_days,
        }
        self.hits: dict[str, int] = {}
        self.log: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server name
                parts = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                server.log.append((parts.path, params))
                hit = server.hits.get(parts.path, 0)
                server.hits[parts.path] = hit + 1
                route = server.routes.get(parts.path)
                status, body, headers = route(params, hit) if route else (404, b"not found", {})
                headers = dict(headers)
                drip = float(headers.pop(DRIP, 0))  # seconds between the body's bytes
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    if drip:
                        for byte in range(len(body)):
                            self.wfile.write(body[byte : byte + 1])
                            self.wfile.flush()
                            time.sleep(drip)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a test's Ctrl-C): nothing to answer

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def env(self) -> dict[str, str]:
        """Environment that points every source at this server, without waits."""
        return {
            "KG_FETCH_ARXIV_URL": f"{self.url}/arxiv/api",
            "KG_FETCH_OPENALEX_URL": f"{self.url}/openalex",
            "KG_FETCH_HF_URL": f"{self.url}/hf/api",
            "KG_FETCH_DELAY": "0",
            "KG_FETCH_BACKOFF": "0",
            "KG_FETCH_EMAIL": "someone@example.org",
            "KG_FETCH_OPENALEX_KEY": "secret-key-123",
        }

    def requests(self, path: str) -> list[dict[str, str]]:
        return [params for p, params in self.log if p == path]

    def __enter__(self) -> FixtureServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def slow(route: Route, after: int, seconds: float) -> Route:
    """``route``, but requests from number ``after`` on wait ``seconds`` before answering."""

    def wrapped(params: dict[str, str], hit: int) -> Response:
        if hit >= after:
            time.sleep(seconds)
        return route(params, hit)

    return wrapped
