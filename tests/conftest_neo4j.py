"""Fixtures for the tests that need a real Neo4j server (marker ``neo4j``).

The server is a private one that ``scripts/neo4j-local`` starts into a temporary data dir on
free ports and stops at the end of the run, unless the test-only variable
``KG_TEST_NEO4J_URI`` names one already running whose database is empty (it is left empty
afterwards; ``KG_TEST_NEO4J_USER`` / ``_PASSWORD`` / ``_HTTP_PORT`` go with it, and if it was
started by ``scripts/neo4j-local`` into ``$KG_TEST_NEO4J_DATA`` the tests may also stop and
restart it). The user's own ``KG_NEO4J_*`` settings are never read: they are for kg, and the
tests run without them (tests/conftest.py). A server that holds data is never used: the
tests empty the database, and a user's graph must survive a test run.

Test modules load this file with ``pytest_plugins = ["conftest_neo4j"]``; the server is also
cached at module level, so that it is started once per run whatever imports it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "neo4j-local"
DEFAULT_PASSWORD = "kg-neo4j-local"


@dataclass
class Neo4jServer:
    uri: str
    user: str
    password: str
    http_url: str
    data_dir: Path | None  # None: a server this run did not start (cannot be restarted)
    bolt_port: int
    http_port: int

    def script(self, command: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """Run ``scripts/neo4j-local COMMAND`` for this server (only for one we started)."""
        assert self.data_dir is not None, "only a server started by the tests can be controlled"
        env = {**os.environ, "KG_NEO4J_PASSWORD": self.password}
        return subprocess.run(
            [str(SCRIPT), command, "--data", str(self.data_dir),
             "--bolt-port", str(self.bolt_port), "--http-port", str(self.http_port)],
            env=env, capture_output=True, text=True, timeout=timeout, check=False,
        )

    def driver(self):
        from kg.sinks.neo4j import connect

        return connect(self.uri, self.user, self.password)


_SERVER: Neo4jServer | None = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _usable_running_server() -> Neo4jServer | None:
    from kg.sinks.neo4j import Neo4jSinkError, connect

    uri = os.environ.get("KG_TEST_NEO4J_URI")
    if not uri:
        return None
    user = os.environ.get("KG_TEST_NEO4J_USER", "neo4j")
    password = os.environ.get("KG_TEST_NEO4J_PASSWORD", DEFAULT_PASSWORD)
    try:
        driver = connect(uri, user, password)
    except Neo4jSinkError:
        return None
    with driver:
        records, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS n")
        if records[0]["n"]:
            return None  # someone's data: start a private server instead
    port = int(uri.rsplit(":", 1)[-1]) if uri.rsplit(":", 1)[-1].isdigit() else 7687
    http_port = int(os.environ.get("KG_TEST_NEO4J_HTTP_PORT", "7474"))
    # A server that scripts/neo4j-local started into $KG_TEST_NEO4J_DATA can be stopped and
    # restarted by the tests too (CI may start one up front that way).
    data = os.environ.get("KG_TEST_NEO4J_DATA")
    data_dir = Path(data) if data and (Path(data) / "run" / "neo4j-local.pid").is_file() else None
    server = Neo4jServer(uri, user, password, f"http://127.0.0.1:{http_port}", data_dir, port, http_port)

    def leave_empty() -> None:
        # it was empty when the tests found it: leave it so, not full of test graphs
        from kg.sinks.neo4j import empty_graph

        try:
            with server.driver() as cleanup:
                empty_graph(cleanup)
        except Exception as err:  # noqa: BLE001 - best effort at interpreter exit
            print(f"could not empty {uri} after the tests: {err}")

    atexit.register(leave_empty)
    return server


def _start_private_server() -> Neo4jServer:
    if shutil.which("java") is None:
        pytest.fail("Java is needed to run Neo4j (apt-get install -y openjdk-17-jdk-headless)")
    data_dir = Path(tempfile.mkdtemp(prefix="kg-neo4j-test-"))
    bolt, http = _free_port(), _free_port()
    server = Neo4jServer(f"bolt://127.0.0.1:{bolt}", "neo4j", DEFAULT_PASSWORD,
                         f"http://127.0.0.1:{http}", data_dir, bolt, http)
    done = server.script("start")
    if done.returncode != 0:
        pytest.fail(f"scripts/neo4j-local start failed:\n{done.stdout}\n{done.stderr}")

    def stop() -> None:
        server.script("stop")
        shutil.rmtree(data_dir, ignore_errors=True)

    atexit.register(stop)
    return server


def get_server() -> Neo4jServer:
    """The server of this test run (started on first use)."""
    global _SERVER
    if _SERVER is None:
        _SERVER = _usable_running_server() or _start_private_server()
    return _SERVER


@pytest.fixture(scope="session")
def neo4j_server() -> Neo4jServer:
    return get_server()


@pytest.fixture()
def neo4j_driver(neo4j_server: Neo4jServer):
    """A driver on an empty database with kg's schema applied."""
    from kg.sinks.neo4j import apply_schema, empty_graph

    driver = neo4j_server.driver()
    empty_graph(driver)
    apply_schema(driver)
    yield driver
    driver.close()
