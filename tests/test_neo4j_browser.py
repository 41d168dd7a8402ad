"""Neo4j Browser as a user meets it: served by the server of scripts/neo4j-local, opened in a real
headless Chromium, connected with the password, running one of kg's ready queries.

Screenshots go to $KG_SCREENSHOT_DIR when set (look at them), else to a temporary folder.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser import BrowserError, Chromium, find_chromium
from test_neo4j import small_records_graph

from kg.sinks import neo4j as sink

if TYPE_CHECKING:  # imported by pytest as a plugin below, not here
    from conftest_neo4j import Neo4jServer

# the neo4j_server / neo4j_driver fixtures (a plugin: one server for the whole run)
pytest_plugins = ["conftest_neo4j"]

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None, reason="needs Debian's chromium (apt-get install chromium)"),
]

REPO = Path(__file__).resolve().parents[1]


def wait_for(browser: Chromium, expression: str, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not browser.evaluate(f"Boolean({expression})"):
        if time.monotonic() > deadline:
            text = browser.evaluate("document.body ? document.body.innerText.slice(0, 800) : ''")
            raise BrowserError(f"{what} did not happen in {timeout:.0f} s; page says: {text!r}")
        time.sleep(0.2)


def type_into(browser: Chromium, selector: str, text: str) -> None:
    """Focus an element and type into it the way a keyboard would (trusted input events)."""
    browser.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
    browser.send("Input.insertText", text=text)


def body_has(text: str) -> str:
    return f"document.body.innerText.includes({json.dumps(text)})"


def run_in_editor(browser: Chromium, command: str) -> None:
    type_into(browser, ".monaco-editor textarea", command)
    browser.evaluate("document.querySelector('[data-testid=editor-Run]').click()")


def test_browser_connects_and_runs_a_ready_query(neo4j_server: Neo4jServer, neo4j_driver, tmp_path):
    sink.load_graph(neo4j_driver, small_records_graph())
    shots = Path(os.environ.get("KG_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with Chromium(width=1400, height=1000) as browser:
        browser.send("Page.navigate", url=f"{neo4j_server.http_url}/browser/")
        wait_for(browser, "document.querySelector('[data-testid=password]')", "the connect form")
        browser.evaluate("document.querySelector('[data-testid=boltaddress]').select()")
        type_into(browser, "[data-testid=boltaddress]", f"127.0.0.1:{neo4j_server.bolt_port}")
        type_into(browser, "[data-testid=username]", neo4j_server.user)
        type_into(browser, "[data-testid=password]", neo4j_server.password)
        browser.evaluate("document.querySelector('[data-testid=connect]').click()")
        wait_for(browser, body_has("You are connected as user"), "connecting")
        browser.screenshot(shots / "neo4j-browser-connected.png")

        # The user's path: set the parameter as the query file's header says, then paste it.
        query = (REPO / "cypher" / "queries" / "papers_using_concept.cypher").read_text(encoding="utf-8")
        run_in_editor(browser, ":param concept => 'JEPA'")
        wait_for(browser, body_has('"concept": "JEPA"'), "setting the parameter")
        run_in_editor(browser, query)
        wait_for(browser, body_has("I-JEPA: self-supervised learning from images")
                 + " && " + body_has("V-JEPA: video JEPA"), "the query result")
        assert browser.evaluate(body_has("PROPOSES"))
        browser.screenshot(shots / "neo4j-browser-query.png")

        # and a graph picture of the same neighbourhood
        run_in_editor(browser, "MATCH p = (:Paper)-[:PROPOSES|USES|EVALUATES_ON]->(:Concept) RETURN p")
        wait_for(browser, "document.querySelectorAll('svg g.node').length >= 5", "the graph view")
        browser.screenshot(shots / "neo4j-browser-graph.png")
