"""kg fetch against a local server that answers in each API's documented format (no internet)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from fetch_server import FixtureServer, fixture, openalex_pages, slow

from kg.cli import main
from kg.fetch import JsonlStore, Query, make_source
from kg.fetch.http import FetchError, HttpClient, RateLimited
from kg.fetch.openalex import abstract_from_index

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def server():
    with FixtureServer() as running:
        yield running


def run(server: FixtureServer, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["fetch", *args], env={**server.env(), **(env or {})})


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    return errors[0]


# --------------------------------------------------------------------------- arXiv


def test_arxiv_pages_through_the_feed(server, tmp_path):
    out = tmp_path / "papers.jsonl"
    result = run(server, "arxiv", "abs:predictive", "--category", "cs.LG", "--category", "cs.CV",
                 "--since", "2023-01", "--until", "2024", "--page-size", "3", "--out", str(out))
    assert result.exit_code == 0, result.output
    asked = server.requests("/arxiv/api/query")
    assert [q["start"] for q in asked] == ["0", "3"]
    assert asked[0]["search_query"] == (
        "(abs:predictive) AND (cat:cs.LG OR cat:cs.CV) AND submittedDate:[202301010000 TO 202412312359]")
    assert asked[0]["sortBy"] == "submittedDate" and asked[0]["sortOrder"] == "ascending"
    records = lines(out)
    assert [r["arxiv_id"] for r in records] == ["2301.01001", "2302.01002", "2311.01004", "2405.01005"]
    first, second = records[0], records[1]
    assert first["title"] == "Latent Prediction Without Pixels: A Joint-Embedding Predictive Architecture for Images"
    assert (first["published"], first["year"], first["authors"]) == ("2023-01-16", 2023, ["Ada Example", "Ben Sample"])
    assert first["url"] == "https://arxiv.org/abs/2301.01001" and first["abstract"].startswith("We study")
    assert (second["doi"], second["venue"]) == ("10.5555/kgfixture.2023.002", "Journal of Invented Results 4 (2023) 1-12")
    assert "4 new" in result.output and "1 skipped (1 x no title)" in result.output
    assert "Query complete (5 results)" in result.output


def test_arxiv_empty_result(server, tmp_path):
    server.routes["/arxiv/api/query"] = lambda params, hit: fixture("arxiv/empty.xml")
    out = tmp_path / "none.jsonl"
    result = run(server, "arxiv", "abs:nothingmatchesthis", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Fetched 0 records" in result.output and "Query complete (0 results)" in result.output
    assert not out.exists() or out.read_text() == ""


def test_arxiv_bad_query_is_one_line(server, tmp_path):
    server.routes["/arxiv/api/query"] = lambda params, hit: fixture("arxiv/error.xml", status=400)
    error = one_line_error(run(server, "arxiv", "abs:(unbalanced", "--out", str(tmp_path / "x.jsonl")))
    assert error == "Error: arXiv rejected the query: unbalanced parentheses in search_query"
    assert len(server.requests("/arxiv/api/query")) == 1  # a bad query is not retried


def test_arxiv_keeps_three_seconds_against_the_real_host():
    source = make_source("arxiv", delay=0, env={})
    assert source.client.base_url == "https://export.arxiv.org/api" and source.client.min_interval == 3.0
    mirror = make_source("arxiv", base_url="http://127.0.0.1:9/api", delay=0, env={})
    assert mirror.client.min_interval == 0


def test_client_paces_requests_and_backs_off(server):
    waits: list[float] = []
    server.routes["/slow"] = lambda params, hit: (429, b"", {"Retry-After": "7"}) if hit < 2 else (200, b"ok", {})
    client = HttpClient(server.url, min_interval=3.0, retries=3, backoff=1.0, sleep=waits.append)
    assert client.get("slow") == b"ok"
    # three requests: the first 429 waits max(backoff 1, Retry-After 7), the second 7 again;
    # the pacing gap of 3 s is already covered by those waits
    assert [w for w in waits if w >= 6.9] == [7.0, 7.0]
    assert client.requests == 3


def test_retries_are_announced_and_a_name_that_does_not_resolve_is_not_retried(server):
    waits: list[float] = []
    told: list[str] = []
    server.routes["/busy"] = lambda params, hit: (503, b"", {}) if hit < 1 else (200, b"ok", {})
    client = HttpClient(server.url, retries=2, backoff=1.0, sleep=waits.append, on_retry=told.append)
    assert client.get("busy") == b"ok"
    assert len(told) == 1 and "HTTP 503; retrying in 1 s (retry 1 of 2)" in told[0]
    # ".invalid" never resolves (RFC 2606): fail at once instead of waiting through the retries
    nowhere = HttpClient("http://kg-test.invalid/api", retries=4, sleep=waits.append, on_retry=told.append)
    with pytest.raises(FetchError, match="Cannot reach kg-test.invalid"):
        nowhere.get("query")
    assert nowhere.requests == 1 and len(told) == 1


# --------------------------------------------------------------------------- OpenAlex


def test_openalex_cursor_paging_abstracts_and_references(server, tmp_path):
    out = tmp_path / "oa.jsonl"
    result = run(server, "openalex", "joint", "embedding", "--since", "2023", "--filter", "type:article",
                 "--out", str(out))
    assert result.exit_code == 0, result.output
    asked = server.requests("/openalex/works")
    assert [q["cursor"] for q in asked][0] == "*" and len(asked) == 3
    assert asked[1]["cursor"].startswith("IlsxNjcz")
    assert asked[0]["search"] == "joint embedding"
    assert asked[0]["filter"] == "type:article,from_publication_date:2023-01-01"
    assert asked[0]["mailto"] == "someone@example.org" and asked[0]["api_key"] == "secret-key-123"
    assert "secret-key-123" not in result.output
    records = {r["openalex_id"]: r for r in lines(out)}
    assert sorted(records) == ["W4318001001", "W4318001002", "W4318001003", "W4318001004"]
    first = records["W4318001001"]
    assert first["arxiv_id"] == "2301.01001" and first["doi"] == "10.48550/arxiv.2301.01001"
    assert first["abstract"].startswith("We study self-supervised learning with a joint-embedding predictive")
    assert first["venue"] == "arXiv (Cornell University)" and first["published"] == "2023-01-16"
    assert records["W4318001004"]["references"] == ["W4318001001", "W4318001002", "W4318001003", "W2999999999"]
    assert records["W4318001003"]["abstract"] == ""  # the work has no abstract index
    assert "1 x no title" in result.output


def test_abstract_from_inverted_index():
    assert abstract_from_index({"b": [1], "a": [0, 2], "c": [3]}) == "a b a c"
    assert abstract_from_index(None) == ""


def test_openalex_empty_result(server, tmp_path):
    server.routes["/openalex/works"] = lambda params, hit: fixture("openalex/empty.json")
    result = run(server, "openalex", "nothing", "--out", str(tmp_path / "x.jsonl"))
    assert result.exit_code == 0, result.output
    assert "Fetched 0 records" in result.output and "Query complete" in result.output


def test_429_then_success(server, tmp_path):
    server.routes["/openalex/works"] = (
        lambda params, hit: (429, b'{"error": "Rate limit exceeded"}', {}) if hit == 0 else openalex_pages(params, hit))
    out = tmp_path / "oa.jsonl"
    result = run(server, "openalex", "joint", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert len(lines(out)) == 4
    assert [q["cursor"] for q in server.requests("/openalex/works")][:2] == ["*", "*"]


def test_rate_limit_outlasting_retries_is_one_line(server, tmp_path):
    server.routes["/openalex/works"] = lambda params, hit: (429, b"", {})
    error = one_line_error(run(server, "openalex", "joint", "--retries", "2", "--out", str(tmp_path / "x.jsonl")))
    assert "kept answering 429 Too Many Requests after 3 tries" in error
    assert len(server.requests("/openalex/works")) == 3


def test_500_outlasting_retries_keeps_pages_and_resumes(server, tmp_path):
    out = tmp_path / "oa.jsonl"
    server.routes["/openalex/works"] = (
        lambda params, hit: openalex_pages(params, hit) if params["cursor"] == "*" else (500, b"oops", {}))
    error = one_line_error(run(server, "openalex", "joint", "--retries", "2", "--out", str(out)))
    assert "answered HTTP 500 Internal Server Error 3 times" in error
    assert "2 new records kept" in error
    assert [r["openalex_id"] for r in lines(out)] == ["W4318001001", "W4318001002"]
    # the server recovers: the same command picks up at the saved cursor
    server.routes["/openalex/works"] = openalex_pages
    server.log.clear()
    result = run(server, "openalex", "joint", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert server.requests("/openalex/works")[0]["cursor"].startswith("IlsxNjcz")
    assert "Resumed at 2 of 5 results" in result.output
    ids = [r["openalex_id"] for r in lines(out)]
    assert ids == ["W4318001001", "W4318001002", "W4318001003", "W4318001004"]
    # a completed query is not asked again; --restart asks and writes nothing twice
    server.log.clear()
    again = run(server, "openalex", "joint", "--out", str(out))
    assert again.exit_code == 0 and "fetched to its end before" in again.output and server.log == []
    restarted = run(server, "openalex", "joint", "--restart", "--out", str(out))
    assert restarted.exit_code == 0 and "0 new, 4 already in oa.jsonl" in restarted.output
    assert len(lines(out)) == 4
    # the output deleted, its state left: the state describes records no longer there
    out.unlink()
    afresh = run(server, "openalex", "joint", "--out", str(out))
    assert afresh.exit_code == 0 and "fetched to its end before" not in afresh.output, afresh.output
    assert len(lines(out)) == 4


def test_malformed_json_is_one_line(server, tmp_path):
    server.routes["/openalex/works"] = lambda params, hit: fixture("openalex/malformed.json")
    error = one_line_error(run(server, "openalex", "joint", "--out", str(tmp_path / "x.jsonl")))
    assert "sent a page that is not valid JSON" in error and "127.0.0.1" in error


def test_no_network_is_one_line(tmp_path):
    # a port nothing listens on: connection refused, like a machine without network
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = CliRunner().invoke(main, ["fetch", "hf", "--since", "2024-05-01", "--until", "2024-05-01",
                                       "--retries", "1", "--out", str(tmp_path / "x.jsonl")],
                                env={"KG_FETCH_HF_URL": f"http://127.0.0.1:{port}/api", "KG_FETCH_BACKOFF": "0",
                                     "KG_FETCH_DELAY": "0"})
    error = one_line_error(result)
    assert f"Cannot reach 127.0.0.1:{port}" in error and "network" in error


def test_bad_dates_and_queries_are_one_line(server, tmp_path):
    out = str(tmp_path / "x.jsonl")
    assert "'2023-13' is not a date" in one_line_error(run(server, "arxiv", "x", "--since", "2023-13", "--out", out))
    assert "needs a query" in one_line_error(run(server, "arxiv", "--out", out))
    assert "needs --since" in one_line_error(run(server, "hf", "--out", out))
    assert server.log == []


# --------------------------------------------------------------------------- Hugging Face


def test_hf_daily_papers_range_links_and_filter(server, tmp_path):
    out = tmp_path / "hf.jsonl"
    result = run(server, "hf", "--since", "2024-05-01", "--until", "2024-05-03", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert [q["date"] for q in server.requests("/hf/api/daily_papers")] == ["2024-05-01", "2024-05-02", "2024-05-03"]
    records = {r["arxiv_id"]: r for r in lines(out)}
    assert sorted(records) == ["2404.02001", "2404.02002", "2405.02003"]
    first = records["2404.02001"]
    assert first["links"] == ["https://github.com/kg-fixtures/pc-scale", "https://kg-fixtures.github.io/pc-scale"]
    assert (first["upvotes"], first["published"], first["url"]) == (
        42, "2024-04-29", "https://huggingface.co/papers/2404.02001")
    assert "1 x no title" in result.output
    filtered = tmp_path / "sae.jsonl"
    result = run(server, "hf", "sparse", "autoencoders", "--since", "2024-05-01", "--until", "2024-05-02",
                 "--out", str(filtered))
    assert [r["arxiv_id"] for r in lines(filtered)] == ["2405.02003"]
    assert "2 x does not contain the query words" in result.output


def test_hf_malformed_json_is_one_line(server, tmp_path):
    server.routes["/hf/api/daily_papers"] = lambda params, hit: fixture("hf/malformed.json")
    error = one_line_error(run(server, "hf", "--since", "2024-05-01", "--until", "2024-05-01",
                                   "--out", str(tmp_path / "x.jsonl")))
    assert "not valid JSON for 2024-05-01" in error


# --------------------------------------------------------------------------- the output file


def test_torn_last_line_is_dropped_and_nothing_is_written_twice(server, tmp_path):
    out = tmp_path / "hf.jsonl"
    assert run(server, "hf", "--since", "2024-05-01", "--until", "2024-05-01", "--out", str(out)).exit_code == 0
    whole = out.read_bytes()
    out.write_bytes(whole + b'{"id": "2405.0200')  # what a kill in the middle of a write leaves
    result = run(server, "hf", "--since", "2024-05-01", "--until", "2024-05-02", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "dropped an unfinished last line" in result.output
    ids = [r["arxiv_id"] for r in lines(out)]
    assert ids == ["2404.02001", "2404.02002", "2405.02003"]


def test_store_keeps_a_hand_written_last_line_and_dedups_by_any_id(tmp_path):
    out = tmp_path / "mine.jsonl"
    out.write_text('{"title": "Mine", "doi": "10.5555/ABC"}', encoding="utf-8")  # no final newline
    store = JsonlStore(out)
    assert store.open().torn_line_dropped is False
    new, dup = store.append([{"id": "x1", "title": "Other", "doi": "10.5555/abc"},
                             {"id": "x2", "title": "New"}, {"id": "x2", "title": "New again"}])
    assert (new, dup) == (1, 2)
    assert [r["title"] for r in lines(out)] == ["Mine", "New"]
    # the same paper fetched from another source is kept: kg build merges the two records
    assert store.append([{"id": "x2", "title": "New", "fetched_from": "openalex", "openalex_id": "W1"}]) == (1, 0)
    assert store.append([{"id": "x3", "title": "New", "fetched_from": "openalex", "openalex_id": "W1"}]) == (0, 1)


def test_ctrl_c_leaves_whole_records_and_the_rerun_completes(server, tmp_path):
    """A real SIGINT to a real `kg fetch` process while it waits for page 2."""
    server.routes["/openalex/works"] = slow(openalex_pages, after=1, seconds=30)
    out = tmp_path / "oa.jsonl"
    env = {**os.environ, **server.env()}
    # a child inherits an ignored SIGINT (a test run started in the background by a
    # non-interactive shell has it ignored), and Python then installs no Ctrl-C handler: the
    # child gets the default disposition, as a terminal's foreground process has
    proc = subprocess.Popen([sys.executable, "-m", "kg", "fetch", "openalex", "joint", "--out", str(out)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while len(server.requests("/openalex/works")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(server.requests("/openalex/works")) >= 2, "the fetch never asked for page 2"
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "Interrupted: 2 new records kept" in stderr and "Traceback" not in stderr
    assert out.read_bytes().endswith(b"\n") and len(lines(out)) == 2
    server.routes["/openalex/works"] = openalex_pages
    result = run(server, "openalex", "joint", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert len(lines(out)) == 4 and len({r["id"] for r in lines(out)}) == 4


def test_query_describes_what_changes_results():
    a = Query(terms=["x"], max_results=10).describe()
    assert a == Query(terms=["x"], max_results=99, page_size=5).describe()  # a larger --max continues
    assert a != Query(terms=["y"]).describe()


def test_rate_limited_is_a_fetch_error():
    from kg.fetch import FetchError

    assert issubclass(RateLimited, FetchError)


def test_fetch_progress_shows_no_eta_for_a_rough_total(monkeypatch):
    """The total is what the API reported (hf: days of uneven size; --max stops earlier), so
    the bar gives counts and rate but no time left that would mislead."""
    import re

    from kg.cli.fetch import _Progress
    from kg.fetch import FetchSummary

    now = [1000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])  # click's bar reads time.time
    progress = _Progress("Fetching from arxiv")
    try:
        for position in (100, 200, 300):
            now[0] += 5
            progress(FetchSummary("arxiv", fetched=position, new=position, total=10_000, position=position))
        line = progress.bar.format_progress_line()
    finally:
        progress.close()
    assert "300/10000" in line and "new" in line
    assert not re.search(r"\d\d:\d\d:\d\d", line), line


# --------------------------------------------------------------------------- hostile servers


def test_an_answer_that_drips_is_bounded_by_the_timeout_and_a_huge_one_refused(server, monkeypatch):
    from fetch_server import DRIP

    import kg.fetch.http as http

    server.routes["/drip"] = lambda params, hit: (200, b"x" * 100, {DRIP: "0.05"})  # 5 s in all
    client = HttpClient(server.url, retries=0, timeout=1.0)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"the answer took more than 1 s to arrive"):
        client.get("drip")
    assert time.monotonic() - started < 4
    monkeypatch.setattr(http, "MAX_BODY_BYTES", 1000)
    server.routes["/huge"] = lambda params, hit: (200, b"x" * 5000, {})
    with pytest.raises(FetchError, match=r"an answer of more than"):
        client.get("huge")


def test_a_cursor_that_comes_back_stops_the_fetch_keeping_its_records(server, tmp_path):
    work = {"id": "https://openalex.org/W1", "title": "Looping Paper One", "publication_year": 2024}
    odd = {"id": "https://openalex.org/W2", "title": "Odd Fields", "authorships": 5, "referenced_works": 7,
           "locations": 3}
    page = json.dumps({"meta": {"count": None, "next_cursor": "SAME"}, "results": [work, odd]}).encode()
    server.routes["/openalex/works"] = lambda params, hit: (200, page, {"Content-Type": "application/json"})
    out = tmp_path / "loop.jsonl"
    result = run(server, "openalex", "loops", "--out", str(out))
    error = one_line_error(result)
    assert "openalex answered 3 pages in a row with records it had sent already" in error
    assert len(server.requests("/openalex/works")) == 4
    # the record whose fields are of the wrong types keeps what it has, and nothing is written twice
    assert [(r["title"], r["authors"], r["references"]) for r in lines(out)] == [
        ("Looping Paper One", [], []), ("Odd Fields", [], [])]


@pytest.mark.parametrize(("variable", "value"), [("KG_FETCH_DELAY", "nan"), ("KG_FETCH_DELAY", "inf"),
                                                 ("KG_FETCH_BACKOFF", "abc"), ("KG_FETCH_BACKOFF", "nan")])
def test_odd_waits_in_the_environment_are_one_line(server, tmp_path, variable, value):
    result = run(server, "openalex", "x", "--out", str(tmp_path / "o.jsonl"), env={variable: value})
    error = one_line_error(result)
    assert variable in error or "finite number of seconds" in error


@pytest.mark.parametrize(("url", "words"), [
    ("http://[::1", "not a valid URL"),
    ("http://127.0.0.1:abc/x", "not a valid URL"),
    ("http://user:hunter2@127.0.0.1:1/x", "holds a user name or password"),
    ("ftp://127.0.0.1/x", "not an http(s) URL"),
])
def test_odd_base_urls_are_one_line_and_never_show_a_password(tmp_path, url, words):
    result = CliRunner().invoke(main, ["fetch", "openalex", "x", "--base-url", url, "--out", str(tmp_path / "o.jsonl")])
    error = one_line_error(result)
    assert words in error and "hunter2" not in result.output


def test_the_same_query_against_another_server_is_another_query(server, tmp_path):
    out = tmp_path / "oa.jsonl"
    assert run(server, "openalex", "joint", "--out", str(out)).exit_code == 0
    with FixtureServer() as mirror:
        result = run(mirror, "openalex", "joint", "--out", str(out))
        assert result.exit_code == 0 and "fetched to its end before" not in result.output, result.output
        assert mirror.requests("/openalex/works")


def test_an_out_under_a_file_or_naming_a_folder_is_one_line_before_any_request(server, tmp_path):
    (tmp_path / "notes").write_text("a file, not a folder\n")
    error = one_line_error(run(server, "openalex", "joint", "--out", str(tmp_path / "notes" / "x.jsonl")))
    assert "is a file, not a folder" in error and "File exists" not in error
    error = one_line_error(run(server, "openalex", "joint", "--out", str(tmp_path)))
    assert "is a folder, not a file" in error
    assert server.requests("/openalex/works") == []
