"""HTML views and the analyze / viz commands, without a browser (see test_viz_browser.py)."""

from __future__ import annotations

import itertools
import json
import math
import random
import re
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from kg import views
from kg.analytics import analyse, annotate
from kg.cli import main
from kg.graph import build_graph
from kg.records import Concept, ConceptIndex, ConceptLink, Paper
from kg.sinks.files import read_graph_json, write_graph_json
from kg.views import labels, palette
from kg.views.palette import TYPE_COLOURS
from synthetic_graph import synthetic_graph

EVIL = 'Evil <script>window.__xss=1</script> <img src=x onerror="window.__xss=2"> & co'


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    g = synthetic_graph(300, n_topics=6, seed=2)
    g.nodes["paper:syn000001"]["title"] = EVIL
    g.nodes["paper:syn000001"]["name"] = EVIL
    g.nodes["paper:syn000001"]["url"] = "javascript:alert(1)"
    annotate(g)
    return g


@pytest.fixture(scope="module")
def out_dir(graph: nx.DiGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kg-out")
    write_graph_json(graph, out / "graph.json")
    return out


def test_paper_text_is_escaped_everywhere(graph, tmp_path):
    page_path = tmp_path / "graph.html"
    views.write_graph_html(graph, page_path)
    page = page_path.read_text(encoding="utf-8")
    assert "<script>window.__xss" not in page
    assert 'onerror="window' not in page
    # the tooltip carries the escaped title, JSON-encoded for the <script> block
    assert "Evil \\u0026lt;script\\u0026gt;window.__xss=1" in page
    # and the search menu shows it as text
    assert "Evil &lt;script&gt;window.__xss=1&lt;/script&gt;" in page


def test_only_http_links_become_anchors():
    assert views.link("javascript:alert(1)") == "javascript:alert(1)"
    assert views.link("https://x.org/a?b=1&c=\"2\"") == (
        '<a href="https://x.org/a?b=1&amp;c=&quot;2&quot;" target="_blank" '
        'rel="noopener noreferrer">https://x.org/a?b=1&amp;c=&quot;2&quot;</a>'
    )


def test_paper_tooltip_does_not_link_a_javascript_url(graph):
    tip = views.paper_tooltip(graph, "paper:syn000001")
    assert 'href="javascript' not in tip
    assert "&lt;script&gt;" in tip


def test_a_concept_tooltip_counts_its_papers_in_the_right_number():
    papers = [Paper("I-JEPA", id="a"), Paper("V-JEPA", id="b")]
    concepts = {"method:jepa": Concept("method:jepa", "method", "JEPA", paper_ids=["a", "b"]),
                "dataset:k400": Concept("dataset:k400", "dataset", "Kinetics-400", paper_ids=["b"])}
    links = [ConceptLink("a", "method:jepa", "PROPOSES"), ConceptLink("b", "method:jepa", "USES"),
             ConceptLink("b", "dataset:k400", "USES")]
    graph = build_graph(papers, ConceptIndex(concepts, links), {})
    assert "2 papers" in views.concept_tooltip(graph, "method:jepa")
    tip = views.concept_tooltip(graph, "dataset:k400")
    assert "1 paper" in tip and "1 papers" not in tip


def test_views_are_self_contained(graph, tmp_path):
    page = views.render_view(views.overview_view(graph, analyse(graph)))
    # no resource from outside the file: pyvis 0.3.2's template pulls Bootstrap from a CDN
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', page)
    assert "cdn.jsdelivr" not in page and "cdnjs" not in page
    assert "vis.Network" in page and "TomSelect" in page  # vis-network and tom-select inlined
    # four inline scripts (pyvis bindings, vis-network, tom-select, the view): a library text
    # holding "</script" would end its element early
    assert page.count("</script") == 4


def test_corpus_view_draws_papers_around_shared_concepts_with_positions(graph):
    view = views.corpus_view(graph, max_concepts=50)
    kinds = {n["kind"] for n in view.nodes}
    assert kinds >= {"Paper", "Method", "Dataset", "Metric", "Task"}
    assert "Repo" not in kinds  # code links are in the papers' tooltips, not extra nodes
    concepts = [n for n in view.nodes if n["kind"] in ("Method", "Dataset", "Metric", "Task")]
    assert len(concepts) == 50
    assert all(graph.nodes[n["id"]]["paper_count"] >= 2 for n in concepts)
    assert all("x" in n and "y" in n for n in view.nodes)
    assert not any(n["id"].startswith("method:broad") for n in view.nodes)
    ids = {n["id"] for n in view.nodes}
    assert all(e["from"] in ids and e["to"] in ids for e in view.edges)
    # every drawn paper links to a drawn concept: no isolated papers
    linked = {e["from"] for e in view.edges}
    assert all(n["id"] in linked for n in view.nodes if n["kind"] == "Paper")
    with_broad = views.corpus_view(graph, max_concepts=400, include_broad=True)
    assert any(n["id"].startswith("method:broad") for n in with_broad.nodes)


def test_corpus_view_lists_the_papers_it_does_not_draw(tmp_path):
    papers = [
        Paper(title="Alpha", id="a"), Paper(title="Beta", id="b"),
        Paper(title=EVIL, id="lonely", url="javascript:alert(1)"),
        Paper(title="Gamma", id="g", arxiv_id="2301.00001"),
    ]
    concepts = {
        "method:shared": Concept("method:shared", "method", "shared"),
        "method:own": Concept("method:own", "method", "own"),
        "task:theirs": Concept("task:theirs", "task", "theirs"),
    }
    links = [ConceptLink("a", "method:shared", "USES"), ConceptLink("b", "method:shared", "USES"),
             ConceptLink("lonely", "method:own", "USES"),
             ConceptLink("g", "task:theirs", "ADDRESSES")]
    g = build_graph(papers, ConceptIndex(concepts, links))
    view = views.corpus_view(g)
    assert {n["id"] for n in view.nodes} == {"paper:a", "paper:b", "method:shared"}
    (side,) = view.side_lists
    assert side.heading.startswith("2 papers not drawn")
    assert side.entries == [(EVIL, ""), ("Gamma", "https://arxiv.org/abs/2301.00001")]
    page = views.render_view(view)
    assert "<script>window.__xss" not in page and 'href="javascript:alert' not in page
    assert "Evil &lt;script&gt;window.__xss=1&lt;/script&gt;" in page
    assert '<a href="https://arxiv.org/abs/2301.00001"' in page


def test_overview_colours_by_community_with_a_legend(graph):
    result = analyse(graph)
    view = views.overview_view(graph, result, top=30)
    assert len(view.nodes) == 30
    colours = {n["color"] for n in view.nodes}
    assert len(colours) >= 2
    assert all(text.endswith(")") and key.startswith("c") for _, _, text, key in view.legend)
    assert {n["lg"] for n in view.nodes} <= {key for *_, key in view.legend}
    by_type = views.overview_view(graph, result, top=30, colour_by="type")
    assert {n["color"] for n in by_type.nodes} <= set(TYPE_COLOURS.values())


def test_concept_paper_and_community_views(graph):
    result = analyse(graph)
    ego = views.concept_view(graph, result, "T2M0", depth=1)  # found by alias
    centre = "method:topic2 method 0"
    papers = {u for u, _ in graph.in_edges(centre) if u.startswith("paper:")}
    assert {n["id"] for n in ego.nodes} == {centre, *papers}
    deeper = views.concept_view(graph, result, "t2 method 0", depth=2)
    assert len(deeper.nodes) > len(ego.nodes)
    paper = views.paper_view(graph, result, "syn000010")
    assert any(e["relation"] == "SIMILAR_TO" for e in paper.edges)
    community = views.community_view(graph, result, 0)
    assert {n["id"] for n in community.nodes} <= result.communities[0]
    with pytest.raises(KeyError):
        views.concept_view(graph, result, "no such concept")
    with pytest.raises(KeyError):
        views.community_view(graph, result, 999)


def test_paper_view_leaves_broad_concepts_out_unless_asked(graph):
    paper = next(p for p in sorted(graph) if p.startswith("paper:")
                 and any(c.startswith("method:broad") for c in graph.successors(p)))
    drawn = {n["id"] for n in views.paper_view(graph, analyse(graph), paper).nodes}
    assert not any(n.startswith("method:broad") for n in drawn)
    with_broad = {n["id"] for n in views.paper_view(graph, analyse(graph, include_broad=True), paper).nodes}
    assert any(n.startswith("method:broad") for n in with_broad)


def test_community_palette_has_twenty_distinct_colours_then_other():
    def lab(colour: str) -> tuple[float, float, float]:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        xyz = [sum(m * c for m, c in zip(row, lin)) / w for row, w in zip(
            [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]], [0.95047, 1.0, 1.08883])]
        f = [t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116 for t in xyz]
        return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])

    colours = [palette.community_colour(k) for k in range(20)]
    assert len(set(colours)) == 20
    for a, b in itertools.combinations([*colours, palette.OTHER_COLOUR], 2):
        assert math.dist(lab(a), lab(b)) >= 30, (a, b)
    assert palette.community_colour(20) == palette.community_colour(None) == palette.OTHER_COLOUR
    assert palette.community_key(3) == "c3" and palette.community_key(25) == palette.OTHER_COMMUNITIES


def test_overview_groups_communities_past_the_palette_as_other(graph):
    result = analyse(graph)
    # 18 empty communities first: all but the two largest real ones fall past the palette
    result.communities = [set() for _ in range(18)] + result.communities
    result.community_labels = [f"community {k}" for k in range(len(result.communities))]
    view = views.overview_view(graph, result, top=30)
    keys = [key for *_, key in view.legend]
    assert keys[-1] == palette.OTHER_COMMUNITIES and keys[:-1] == sorted(set(keys[:-1]), key=lambda k: int(k[1:]))
    assert all(int(k[1:]) < 20 for k in keys[:-1])
    others = [n for n in view.nodes if n["lg"] == palette.OTHER_COMMUNITIES]
    assert others and all(n["color"] == palette.OTHER_COLOUR for n in others)


def _footprints_overlap(nodes):
    boxes = []
    for n in nodes:
        left, top, right, bottom = labels.footprint(n)
        boxes.append((n["x"] + left, n["y"] + top, n["x"] + right, n["y"] + bottom))
    return [(i, j) for i, j in itertools.combinations(range(len(boxes)), 2)
            if min(boxes[i][2], boxes[j][2]) - max(boxes[i][0], boxes[j][0]) > 0.5
            and min(boxes[i][3], boxes[j][3]) - max(boxes[i][1], boxes[j][1]) > 0.5]


def test_make_room_separates_labels_reproducibly():
    rng = random.Random(4)
    def piled():
        return [{"id": f"n{i}", "x": rng.uniform(0, 60), "y": rng.uniform(0, 60), "size": 10,
                 "label": f"concept number {i}", "font": {"size": 14}} for i in range(40)]
    nodes = piled()
    assert _footprints_overlap(nodes)
    again = json.loads(json.dumps(nodes))
    dropped = labels.make_room(nodes, [n["id"] for n in nodes])
    assert dropped == [] and _footprints_overlap(nodes) == []
    labels.make_room(again, [n["id"] for n in again])
    assert again == nodes


def test_views_open_legibly_without_overlapping_labels(graph):
    result = analyse(graph)
    for view in (views.overview_view(graph, result), views.community_view(graph, result, 0),
                 views.corpus_view(graph), views.paper_view(graph, result, "syn000010")):
        assert _footprints_overlap(view.nodes) == []
        labelled = [n for n in view.nodes if n["label"].strip()]
        assert len(labelled) >= min(12, len(view.nodes))
        # the page fits the drawing to the window: labels of 12 px show at 10 px or more
        assert labels.fit_scale(view.nodes) * min(n["font"]["size"] for n in labelled) >= 10 or len(labelled) == 12


def test_layout_packs_components_apart():
    pos = views.layout(["a", "b", "c", "d", "lonely"], [("a", "b", 1), ("b", "c", 1), ("c", "d", 2)])
    assert set(pos) == {"a", "b", "c", "d", "lonely"}
    main_xs = [pos[n][0] for n in "abcd"]
    assert pos["lonely"][0] > max(main_xs) or pos["lonely"][1] > max(pos[n][1] for n in "abcd")
    assert pos == views.layout(["a", "b", "c", "d", "lonely"], [("a", "b", 1), ("b", "c", 1), ("c", "d", 2)])


# --------------------------------------------------------------------------- commands


def test_analyze_writes_report_and_analytics(out_dir):
    result = CliRunner().invoke(main, ["analyze", "--out", str(out_dir)])
    assert result.exit_code == 0, result.output
    assert "Most central concepts (PageRank) per type:" in result.output
    assert "Papers with code:" in result.output
    report = (out_dir / "report" / "report.md").read_text(encoding="utf-8")
    assert "## Communities" in report and "## Trends by year" in report
    assert "<script>" not in report  # the evil title, if listed, is escaped
    for png in ("top_concepts", "communities", "cooccurrence", "trends", "code"):
        assert (out_dir / "report" / f"{png}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    stored = read_graph_json(out_dir / "graph.json")
    assert any(t == "CO_OCCURS" for _, _, t in stored.edges(data="type"))
    assert "pagerank" in stored.nodes["method:topic0 method 0"]
    assert (out_dir / "graph.graphml").exists()


def test_analyze_without_a_graph_says_what_to_do(tmp_path):
    result = CliRunner().invoke(main, ["analyze", "--out", str(tmp_path / "nothing")])
    assert result.exit_code == 1
    assert "No graph at" in result.output and "kg build" in result.output
    assert "Traceback" not in result.output


def test_analyze_names_file_and_line_of_broken_json(tmp_path):
    (tmp_path / "graph.json").write_text('{"nodes": [\n  {"id": 1,}\n]}', encoding="utf-8")
    result = CliRunner().invoke(main, ["analyze", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'graph.json'} line 2" in result.output


@pytest.mark.parametrize(
    "args, name",
    [
        ([], "overview-community.html"),
        (["overview", "--colour-by", "type", "--top", "20"], "overview-type.html"),
        (["bipartite", "--type", "dataset"], "bipartite-dataset.html"),
        (["--concept", "t1 method 0", "--depth", "1"], "concept-method-topic1-method-0.html"),
        (["--paper", "syn000003"], "paper-syn000003.html"),
        (["--community", "1"], "community-1.html"),
        (["corpus", "--top", "40"], "corpus.html"),
    ],
)
def test_viz_writes_each_view(out_dir, args, name):
    result = CliRunner().invoke(main, ["viz", *args, "--out", str(out_dir)])
    assert result.exit_code == 0, result.output
    page = (out_dir / "views" / name).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    count = json.loads(re.search(r"expectedNodes: (\d+)", page).group(1))
    assert count > 1


def test_a_community_view_says_when_its_ids_are_not_those_kg_analyze_printed(graph, tmp_path):
    broad = graph.copy()
    annotate(broad, include_broad=True)  # as `kg analyze --include-broad` stores it
    write_graph_json(broad, tmp_path / "graph.json")
    runner = CliRunner()
    told = runner.invoke(main, ["viz", "--community", "1", "--out", str(tmp_path)])
    assert told.exit_code == 0, told.output
    assert "kg analyze numbered the communities with broad concepts; give --include-broad" in told.output
    same = runner.invoke(main, ["viz", "--community", "1", "--include-broad", "--out", str(tmp_path)])
    assert same.exit_code == 0 and "numbered" not in same.output


def test_views_of_different_nodes_never_share_a_file(out_dir):
    """A view's file is named after the node it is centred on: the same node found by two
    queries writes one file, two nodes whose names keep no ASCII letter write two."""
    runner = CliRunner()
    by_name = runner.invoke(main, ["viz", "--paper", "syn000003", "--out", str(out_dir)])
    assert by_name.exit_code == 0, by_name.output
    assert "paper-syn000003.html" in by_name.output
    from kg.cli.analyze import _slug

    keys = ("method:日本語", "method:中文", "method:C++", "method:C", "paper:2301.08243", "method:zorblax-3.1",
            "method:zorblax-3_1", "method:plain name")
    graph = nx.DiGraph()
    graph.add_nodes_from(keys)
    names = {_slug(key, graph) for key in keys}
    assert len(names) == len(keys)
    assert all(re.fullmatch(r"[a-z0-9-]+", name) for name in names)
    # names that read the same only get a digest when another node reads so too
    assert _slug("method:plain name", graph) == "method-plain-name"
    assert _slug("method:zorblax-3.1", graph) != "method-zorblax-3-1"


def test_viz_errors_are_one_line(out_dir):
    runner = CliRunner()
    unknown = runner.invoke(main, ["viz", "--concept", "unheard of", "--out", str(out_dir)])
    assert unknown.exit_code == 1 and "No concept named 'unheard of'" in unknown.output
    both = runner.invoke(main, ["viz", "--concept", "x", "--paper", "y", "--out", str(out_dir)])
    assert both.exit_code == 2 and "only one of" in both.output
    missing = runner.invoke(main, ["viz", "concept", "--out", str(out_dir)])
    assert missing.exit_code == 2 and "--concept NAME" in missing.output


def test_report_escapes_names_and_draws_every_chart(tmp_path):
    from kg.graph import build_graph
    from kg.records import Concept, ConceptIndex, ConceptLink, Paper
    from kg.sinks.report import headline, write_report

    names = ["<b>bold</b> net", "a|b loss", "plain method"]
    concepts = {f"method:{n}": Concept(f"method:{n}", "method", n) for n in names}
    papers = [Paper(f"<script>x</script> paper {i}", id=f"p{i}", year=2020 + i % 3) for i in range(18)]
    # "plain method" only in the later papers, so it rises
    links = [ConceptLink(p.id, c, "USES") for p in papers for c in concepts if c != "method:plain method" or p.year > 2020]
    graph = build_graph(papers, ConceptIndex(concepts, links))
    result = analyse(graph)
    report = write_report(graph, result, tmp_path).read_text(encoding="utf-8")
    assert "<b>" not in report and "&lt;b&gt;bold&lt;/b&gt; net" in report
    assert "a\\|b loss" in report  # a table cell, not two
    assert "<script>" not in report and "&lt;script&gt;x&lt;/script&gt; paper" in report
    assert {p.name for p in tmp_path.glob("*.png")} == {
        "top_concepts.png", "communities.png", "cooccurrence.png", "trends.png", "code.png"
    }
    assert any("Most similar paper pairs" in line for line in headline(graph, result))
