"""The HTML views of the shared corpus in a real headless Chromium (pytest -m browser).

`kg build` runs on ../shared/corpus/hf-papers plus one invented paper whose title tries to
inject script; every view is opened offline in Chromium, which must report no JavaScript error,
no request leaving the machine, no injected script run, and draw as many nodes as the view
holds. Screenshots go to $KG_SCREENSHOT_DIR (default: a pytest temporary folder).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from browser import Chromium, find_chromium, label_boxes, overlapping_pairs
from kg.cli import main

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None, reason="needs Debian's chromium (apt-get install chromium)"),
]

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "hf-papers"
EVIL_TITLE = 'Sparse <script>window.__xss=1</script> autoencoders <img src=x onerror="window.__xss=2">'
EVIL_ID = "2501.00042"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    work = tmp_path_factory.mktemp("corpus")
    evil = work / "evil.jsonl"
    evil.write_text(
        json.dumps(
            {
                "id": EVIL_ID,
                "arxiv_id": EVIL_ID,
                "title": EVIL_TITLE,
                "abstract": "We train a sparse autoencoder (SAE) with a contrastive loss on ImageNet "
                "and report 91.2% top-1 accuracy. <b>bold</b> & <iframe src=x></iframe>",
                "url": "javascript:window.__xss=3",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    out = work / "kg-out"
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(CORPUS), str(evil), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for args in (
        [],
        ["bipartite"],
        ["--concept", "contrastive learning"],
        ["--paper", EVIL_ID],
        ["--community", "0"],
    ):
        result = runner.invoke(main, ["viz", *args, "--out", str(out)])
        assert result.exit_code == 0, result.output
    # and the paper with the most broad concepts, which its view must leave out
    graph = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    broad = {n["node"] for n in graph["nodes"] if n.get("broad")}
    linked: dict[str, int] = {}
    for edge in graph["edges"]:
        if edge["target"] in broad:
            linked[edge["source"]] = linked.get(edge["source"], 0) + 1
    paper = max(sorted(linked), key=linked.__getitem__).removeprefix("paper:")
    result = runner.invoke(main, ["viz", "--paper", paper, "--out", str(out), "-o", str(out / "views" / "paper-broad.html")])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def browser():
    with Chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("KG_SCREENSHOT_DIR")
    return Path(folder) if folder else tmp_path_factory.mktemp("screenshots")


def open_view(browser: Chromium, page: Path, shots: Path) -> dict:
    browser.errors.clear()
    browser.external_requests.clear()
    seconds = browser.open(page)
    state = browser.evaluate(
        "({drawn: window.kgView.drawnNodes, expected: window.kgView.expectedNodes,"
        " inData: nodes.length, edges: edges.length, expectedEdges: window.kgView.expectedEdges,"
        " errors: window.kgView.errors, xss: window.__xss || 0, readyMs: window.kgView.readyMs})"
    )
    browser.screenshot(shots / f"{page.stem}.png")
    state["seconds"] = seconds
    return state


VIEWS = ["graph", "overview-community", "bipartite", "concept-method-contrastive-learning", f"paper-{EVIL_ID.replace('.', '-')}",
         "paper-broad", "community-0"]


@pytest.mark.parametrize("name", VIEWS)
def test_view_opens_offline_without_errors(built, browser, shots, name):
    page = built / f"{name}.html" if name == "graph" else built / "views" / f"{name}.html"
    state = open_view(browser, page, shots)
    assert browser.errors == [] and state["errors"] == []
    assert browser.external_requests == []  # everything is inlined: opens offline
    assert state["xss"] == 0
    assert state["drawn"] == state["expected"] == state["inData"] > 1
    assert state["edges"] == state["expectedEdges"]


def test_evil_title_is_shown_as_text(built, browser, shots):
    open_view(browser, built / "graph.html", shots)
    key = f"paper:{EVIL_ID}"
    tip = browser.evaluate(
        f"(function () {{ var t = nodes.get({json.dumps(key)}).title;"
        " return {text: t.textContent, scripts: t.querySelectorAll('script,img,iframe').length,"
        " links: Array.from(t.querySelectorAll('a')).map(function (a) { return a.href; })}; })()"
    )
    assert "<script>window.__xss=1</script>" in tip["text"]
    assert "<iframe src=x></iframe>" in tip["text"]
    assert tip["scripts"] == 0
    assert all(not href.startswith("javascript:") for href in tip["links"])


def test_clicking_a_node_pins_its_details_and_search_finds_it(built, browser, shots):
    open_view(browser, built / "views" / "overview-community.html", shots)
    target = browser.evaluate(
        "(function () { var id = nodes.getIds()[0]; var p = network.canvasToDOM(network.getPositions([id])[id]);"
        " var box = document.getElementById('mynetwork').getBoundingClientRect();"
        " return {id: id, x: p.x + box.left, y: p.y + box.top, name: nodes.get(id).label}; })()"
    )
    for kind in ("mousePressed", "mouseReleased"):
        browser.send("Input.dispatchMouseEvent", type=kind, x=target["x"], y=target["y"], button="left", clickCount=1)
    details = browser.evaluate("document.getElementById('details').textContent")
    selected = browser.evaluate("network.getSelectedNodes()")
    assert selected == [target["id"]]
    assert target["name"].rstrip("…") in details
    # the search menu lists every node and selecting one focuses it
    browser.evaluate(f"document.querySelector('#search-box').tomselect.setValue({json.dumps(target['id'])})")
    assert browser.evaluate("network.getSelectedNodes()") == [target["id"]]
    browser.screenshot(shots / "overview-clicked.png")


def test_legend_entries_hide_and_show_their_nodes(built, browser, shots):
    open_view(browser, built / "graph.html", shots)
    visible = "nodes.get({filter: function (n) { return !n.hidden; }}).length"
    before = browser.evaluate(visible)
    papers = browser.evaluate("nodes.get({filter: function (n) { return n.lg === 'Paper'; }}).length")
    browser.evaluate("document.querySelector('.legend div[data-key=\"Paper\"]').click()")
    assert browser.evaluate(visible) == before - papers > 0
    browser.screenshot(shots / "graph-without-papers.png")
    browser.evaluate("document.querySelector('.legend div[data-key=\"Paper\"]').click()")
    assert browser.evaluate(visible) == before


def drawn_nodes(browser: Chromium) -> list[str]:
    return browser.evaluate(
        "Object.keys(network.body.nodes).filter(function (id) { return nodes.get(id) !== null && !nodes.get(id).hidden; })"
    )


@pytest.mark.parametrize("name", VIEWS)
def test_labels_do_not_overlap_and_read_without_zooming(built, browser, shots, name):
    # the boxes vis-network drew, read back after the first draw at the zoom the page opens at
    page = built / f"{name}.html" if name == "graph" else built / "views" / f"{name}.html"
    open_view(browser, page, shots)
    boxes = label_boxes(browser)
    assert len(boxes) >= min(12, len(drawn_nodes(browser)))
    assert overlapping_pairs(boxes) == []
    # legible at 1400x900 without zooming: no label drawn smaller than 10 px
    assert min(box["px"] for box in boxes) >= 10, sorted(boxes, key=lambda b: b["px"])[:3]


def test_no_view_draws_a_broad_concept(built, browser, shots):
    graph = json.loads((built / "graph.json").read_text(encoding="utf-8"))
    broad = {n["node"] for n in graph["nodes"] if n.get("broad")}
    assert broad  # the corpus has broad concepts (machine learning, fine-tuning ...) to leave out
    for name in VIEWS:
        page = built / f"{name}.html" if name == "graph" else built / "views" / f"{name}.html"
        open_view(browser, page, shots)
        assert broad.isdisjoint(drawn_nodes(browser)), name


def test_graph_html_draws_no_isolated_paper_and_lists_them(built, browser, shots):
    open_view(browser, built / "graph.html", shots)
    lonely = browser.evaluate(
        "nodes.get({filter: function (n) { return n.kind === 'Paper' && network.getConnectedEdges(n.id).length === 0; }}).length"
    )
    assert lonely == 0
    listed = browser.evaluate("document.querySelectorAll('.side-list li').length")
    papers = browser.evaluate("nodes.get({filter: function (n) { return n.kind === 'Paper'; }}).length")
    graph = json.loads((built / "graph.json").read_text(encoding="utf-8"))
    assert papers + listed == sum(1 for n in graph["nodes"] if n.get("label") == "Paper")
