"""Neo4j errors as a user meets them, against the real server of the test run
(conftest_neo4j.py): one clear line each, no driver chatter, no password."""

from __future__ import annotations

import json

import os
import signal
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from synthetic_graph import synthetic_graph

from kg.cli import main
from kg.sinks import neo4j as sink
from kg.sinks.files import write_graph_json

if TYPE_CHECKING:
    from conftest_neo4j import Neo4jServer

pytest_plugins = ["conftest_neo4j"]
pytestmark = pytest.mark.neo4j


def env_of(server: Neo4jServer) -> dict[str, str]:
    return {"KG_NEO4J_URI": server.uri, "KG_NEO4J_USER": server.user, "KG_NEO4J_PASSWORD": server.password}


def test_query_integers_at_the_64_bit_edge(neo4j_driver, neo4j_server):
    ok = CliRunner().invoke(main, ["query", "RETURN $n AS n", "-p", f"n={2**63 - 1}", "--format", "json"],
                            env=env_of(neo4j_server))
    assert ok.exit_code == 0, ok.output
    assert f'{{"n": {2**63 - 1}}}' in ok.output
    over = CliRunner().invoke(main, ["query", "RETURN $n AS n", "-p", f"n={2**63}"], env=env_of(neo4j_server))
    assert over.exit_code == 1 and "Traceback" not in over.output
    assert [line for line in over.output.splitlines() if line.startswith("Error:")] == [
        "Error: --param n: the integer 9223372036854775808 is beyond Neo4j's 64-bit range."
    ]


def test_query_text_longer_than_a_file_name_runs(neo4j_driver, neo4j_server):
    """kg query first asks whether its text names a file: text over 255 bytes made that ask
    fail with "File name too long" (a traceback) instead of running the query."""
    long_query = "RETURN " + " + ".join(["1"] * 150) + " AS n"
    assert len(long_query.encode()) > 300
    result = CliRunner().invoke(main, ["query", long_query, "--format", "json"], env=env_of(neo4j_server))
    assert result.exit_code == 0, result.output
    assert '{"n": 150}' in result.output


def test_query_json_holds_no_nan_and_a_deep_param_goes_through(neo4j_driver, neo4j_server):
    """JSON has no NaN or Infinity: they are null; a list nested 100 deep is a parameter the
    server and the driver both handle, and one 500 deep is refused before it is sent."""
    deep = "[" * 100 + "1" + "]" * 100
    ok = CliRunner().invoke(main, ["query", "RETURN 0.0 / 0.0 AS x, 1.0 / 0.0 AS y, {z: -1.0 / 0.0} AS m, size($d) AS n",
                                   "-p", f"d={deep}", "--format", "json"], env=env_of(neo4j_server))
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output.strip().splitlines()[-1]) == {"x": None, "y": None, "m": {"z": None}, "n": 1}
    too_deep = CliRunner().invoke(main, ["query", "RETURN $d AS d", "-p", "d=" + "[" * 500 + "]" * 500],
                                  env=env_of(neo4j_server))
    assert too_deep.exit_code == 1 and "nested more than 100 deep" in too_deep.output


def test_losing_the_server_mid_push_prints_one_line(neo4j_server: Neo4jServer, tmp_path):
    """kg push in a real process, paused (SIGSTOP) once its papers are in while the server is
    stopped, then resumed: the driver retries for a while and kg ends with one line."""
    if neo4j_server.data_dir is None:
        pytest.skip("uses a server these tests did not start; cannot stop and restart it")
    write_graph_json(synthetic_graph(300, seed=12), tmp_path / "graph.json")
    with neo4j_server.driver() as driver:
        sink.empty_graph(driver)
    env = {**os.environ, **env_of(neo4j_server)}
    process = subprocess.Popen([sys.executable, "-m", "kg", "push", "--out", str(tmp_path), "--batch-size", "50"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines = []
    try:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line.rstrip("\n"))
            if line.startswith("  Paper:"):  # the papers are loaded, the concepts are next
                process.send_signal(signal.SIGSTOP)
                stopped = neo4j_server.script("stop")
                assert stopped.returncode == 0, stopped.stderr
                process.send_signal(signal.SIGCONT)
                break
        else:
            pytest.fail("kg push never reported its papers: " + "\n".join(lines))
        _, rest = process.communicate(timeout=300)
        lines += rest.splitlines()
    finally:
        process.kill()
        started = neo4j_server.script("start")
        assert started.returncode == 0, started.stderr
    assert process.returncode == 1, lines
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1 and "run the same command again" in errors[0], lines
    # nothing but kg's own lines: "Loading ...", the progress lines and the error
    others = [line for line in lines if line.strip() and not line.startswith(("Error:", "Loading ", "  "))]
    assert not others, others
    assert "Traceback" not in "\n".join(lines) and neo4j_server.password not in "\n".join(lines)


def test_a_tls_scheme_against_a_plain_server_and_browsers_port_say_which_uri_to_use(neo4j_server: Neo4jServer,
                                                                                     tmp_path):
    """The driver blames both on a server that is not running; the server is running, and the
    user needs another URI, so the line says which."""
    if neo4j_server.data_dir is None:
        pytest.skip("a server these tests did not start may well speak TLS")
    write_graph_json(synthetic_graph(5, seed=3), tmp_path / "graph.json")
    # a server restarted by an earlier test answers Bolt before its HTTP connector is up
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", neo4j_server.http_port), timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"Neo4j's HTTP port {neo4j_server.http_port} never opened")
            time.sleep(0.5)
    host = f"127.0.0.1:{neo4j_server.bolt_port}"
    for uri, words in ((f"bolt+s://{host}", "takes bolt:// or neo4j://"),
                       (f"neo4j+ssc://{host}", "takes bolt:// or neo4j://"),
                       (f"bolt://127.0.0.1:{neo4j_server.http_port}", "answers HTTP, not Bolt")):
        env = {**env_of(neo4j_server), "KG_NEO4J_URI": uri}
        result = CliRunner().invoke(main, ["push", "--out", str(tmp_path)], env=env)
        assert result.exit_code == 1, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and words in lines[0] and "is the server running" not in lines[0], lines
        assert neo4j_server.password not in result.output


def test_a_parameter_of_the_wrong_type_for_a_ready_query_is_one_line(neo4j_driver, neo4j_server):
    result = CliRunner().invoke(main, ["query", "top_concepts", "-p", "limit=abc"], env=env_of(neo4j_server))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert [line for line in result.output.splitlines() if line.startswith("Error:")] == [
        "Error: --param limit: the query takes a number here (its default is 25), not 'abc'."]
