"""Interactive HTML views of the graph (pyvis / vis.js), one self-contained file each.

Every view is a :class:`View` (nodes and edges with precomputed positions, a legend) that
:func:`write_view` renders through pyvis's data model into our own Jinja template. The template
replaces pyvis 0.3.2's stock one because that one still pulls Bootstrap from a CDN even with
``cdn_resources="in_line"`` (pyvis issues #228/#229) and prints node ids unescaped in its select
menu; ours inlines vis-network, tom-select and pyvis's highlight bindings from the installed
pyvis package, so a view opens offline. Positions are computed here (networkx spring layout)
and vis.js physics stays off, so even the whole-corpus view is interactive on first draw.

vis-network 9 shows a string ``title`` as plain text; the tooltips here are HTML built from
``html.escape``-d text only, turned into DOM elements by the page. A paper title containing
``<script>`` therefore shows as text and never runs.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
from jinja2 import DictLoader, Environment, select_autoescape
from markupsafe import Markup

from kg.analytics.papers import find_paper as _resolve_paper, shared_concepts
from kg.graph import paper_nodes
from kg.schema import CONCEPT_RELATIONS
from kg.sinks.files import atomic_write

if TYPE_CHECKING:
    from kg.analytics import Analysis


TYPE_COLOURS = {
    "Paper": "#4e79a7",
    "Method": "#f28e2b",
    "Dataset": "#59a14f",
    "Metric": "#e15759",
    "Task": "#b07aa1",
    "Repo": "#9c755f",
    "Author": "#bab0ac",
}
# distinct shapes as well as colours, so the types stay apart for colour-blind readers
TYPE_SHAPES = {
    "Paper": "square",
    "Method": "dot",
    "Dataset": "diamond",
    "Metric": "triangle",
    "Task": "star",
    "Repo": "triangleDown",
    "Author": "dot",
}
COMMUNITY_COLOURS = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
    "#ff9da7", "#9c755f", "#86bcb6", "#d37295", "#8cd17d", "#b6992d", "#499894",
    "#f1ce63", "#a0cbe8", "#ffbe7d", "#d4a6c8",
]  # fmt: skip
OTHER_COLOUR = "#c8c8c8"
EVIDENCE_CHARS = 220
ABSTRACT_CHARS = 320


# --------------------------------------------------------------------------- escaping helpers


def esc(value: object) -> str:
    """HTML-escape any value (quotes too, so it is safe inside attributes)."""
    return html.escape(str(value), quote=True)


def link(url: object, text: object | None = None) -> str:
    """An ``<a>`` for http(s) URLs; anything else (``javascript:`` …) is shown as text."""
    url = str(url or "")
    if not url.lower().startswith(("http://", "https://")):
        return esc(text or url)
    return (
        f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
        f"{esc(text if text is not None else url)}</a>"
    )


def shorten(text: object, limit: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- view model


@dataclass
class View:
    """What one HTML page draws: vis.js node and edge dicts plus page furniture."""

    title: str
    subtitle: str = ""
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    #: colour, shape, text and the key that filters nodes (their ``lg``; "" for none)
    legend: list[tuple[str, str, str, str]] = field(default_factory=list)
    directed: bool = False


def _node_label(data: dict[str, Any]) -> str:
    return str(data.get("label") or "")


def _display(graph: nx.DiGraph, node: str) -> str:
    data = graph.nodes[node]
    return str(data.get("name") or data.get("title") or data.get("url") or node)


def paper_tooltip(graph: nx.DiGraph, node: str) -> str:
    """Tooltip HTML of a paper: title, date, ids, concept counts, code links, abstract start."""
    data = graph.nodes[node]
    parts = [f"<b>{esc(data.get('title') or data.get('name') or node)}</b>"]
    meta = [esc(x) for x in (data.get("published") or data.get("year"),) if x]
    if data.get("arxiv_id"):
        meta.append(link(f"https://arxiv.org/abs/{data['arxiv_id']}", f"arXiv:{data['arxiv_id']}"))
    if data.get("url"):
        meta.append(link(data["url"], "page"))
    if meta:
        parts.append(" · ".join(meta))
    counts: dict[str, int] = {}
    repos = []
    for _, target, etype in graph.out_edges(node, data="type"):
        if etype in CONCEPT_RELATIONS:
            label = _node_label(graph.nodes[target])
            counts[label] = counts.get(label, 0) + 1
        elif etype == "HAS_CODE":
            repos.append(target)
    if counts:
        parts.append(", ".join(f"{n} {esc(k.lower())}{'s' if n > 1 else ''}" for k, n in sorted(counts.items())))
    if repos:
        parts.append("code: " + ", ".join(link(graph.nodes[r].get("url"), _display(graph, r)) for r in repos[:3]))
    if data.get("abstract"):
        parts.append(f"<i>{esc(shorten(data['abstract'], ABSTRACT_CHARS))}</i>")
    return "<br>".join(parts)


def concept_tooltip(graph: nx.DiGraph, node: str, community_label: str | None = None) -> str:
    """Tooltip HTML of a concept: name, type, aliases, counts, analytics, evidence, papers."""
    data = graph.nodes[node]
    parts = [f"<b>{esc(data.get('name') or node)}</b> <small>({esc(_node_label(data))})</small>"]
    aliases = [a for a in data.get("aliases") or [] if a != data.get("name")]
    if aliases:
        parts.append("aliases: " + esc(", ".join(aliases[:8])))
    papers_in = [
        (source, edata)
        for source, _, edata in graph.in_edges(node, data=True)
        if edata.get("type") in CONCEPT_RELATIONS
    ]
    stats = [f"{len({s for s, _ in papers_in})} papers"]
    if data.get("pagerank") is not None:
        stats.append(f"PageRank {float(data['pagerank']):.4f}")
    if data.get("community") is not None:
        stats.append(f"community {esc(data['community'])}" + (f": {esc(community_label)}" if community_label else ""))
    if data.get("broad"):
        stats.append("broad")
    parts.append(" · ".join(stats))
    evidence = sorted(papers_in, key=lambda se: -float(se[1].get("confidence") or 0))
    for _, edata in [e for e in evidence if e[1].get("evidence")][:2]:
        parts.append(f"“{esc(shorten(edata['evidence'], EVIDENCE_CHARS))}”")
    titles = [_display(graph, s) for s, _ in evidence[:5]]
    if titles:
        parts.append("papers: " + "; ".join(esc(shorten(t, 80)) for t in titles))
    return "<br>".join(parts)


def repo_tooltip(graph: nx.DiGraph, node: str) -> str:
    data = graph.nodes[node]
    return f"<b>{esc(_display(graph, node))}</b> (code)<br>{link(data.get('url'))}"


def tooltip(graph: nx.DiGraph, node: str, community_label: str | None = None) -> str:
    label = _node_label(graph.nodes[node])
    if label == "Paper":
        return paper_tooltip(graph, node)
    if graph.nodes[node].get("concept"):
        return concept_tooltip(graph, node, community_label)
    if label == "Repo":
        return repo_tooltip(graph, node)
    return f"<b>{esc(_display(graph, node))}</b> ({esc(label)})"


def edge_tooltip(data: dict[str, Any]) -> str:
    parts = [f"<b>{esc(data.get('type', ''))}</b>"]
    if data.get("value"):
        parts[0] += f" {esc(data['value'])}"
    if data.get("weight") is not None:
        parts.append(f"{esc(data['weight'])} shared papers")
    if data.get("score") is not None:
        parts.append(f"similarity {float(data['score']):.3f}")
    if data.get("shared"):
        parts.append("sharing " + esc(shorten(", ".join(data["shared"]), EVIDENCE_CHARS)))
    if data.get("confidence") is not None:
        parts.append(f"confidence {float(data['confidence']):.2f}")
    if data.get("evidence"):
        parts.append(f"“{esc(shorten(data['evidence'], EVIDENCE_CHARS))}”")
    return "<br>".join(parts)


# --------------------------------------------------------------------------- layout


def force_layout(
    g: nx.Graph, iterations: int = 100, seed: int = 7, gravity: float = 0.02, spread: float = 1.0
) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold force-directed positions in the unit square, vectorised with numpy.

    Nodes repel as k^2/d and linked nodes attract as w d^2/k (Fruchterman & Reingold 1991,
    "Graph drawing by force-directed placement"); a temperature that cools linearly bounds each
    step. A weak pull to the centre keeps small disconnected pieces near the main graph.
    networkx's ``spring_layout`` switches to a per-node Python loop above 500 nodes, which
    takes ~10 s on the corpus view; this dense version takes ~1 s for 800 nodes and O(n^2)
    memory, fine for the few thousand nodes a view draws.
    """
    # sorted, not graph order: a subgraph view iterates the node set it was given, whose order
    # follows the per-process string hash, and the random start positions go by this order
    nodes = sorted(g)
    n = len(nodes)
    weights = nx.to_numpy_array(g, nodelist=nodes, weight="weight", dtype=np.float32)
    rng = np.random.default_rng(seed)
    x = rng.random(n, dtype=np.float32) - 0.5
    y = rng.random(n, dtype=np.float32) - 0.5
    k = np.float32(spread / math.sqrt(n))
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        dx = x[:, None] - x[None, :]
        dy = y[:, None] - y[None, :]
        d2 = np.maximum(dx * dx + dy * dy, 1e-4)
        force = k * k / d2 - weights * (np.sqrt(d2) / k)
        fx = (dx * force).sum(axis=1) - gravity * x
        fy = (dy * force).sum(axis=1) - gravity * y
        step = temperature / np.maximum(np.sqrt(fx * fx + fy * fy), 0.01)
        x += fx * step
        y += fy * step
        temperature -= cooling
    return {node: (float(a), float(b)) for node, a, b in zip(nodes, x, y)}


def layout(
    nodes: Iterable[str], edges: Iterable[tuple[str, str, float]], seed: int = 7, spread: float = 1.0
) -> dict[str, tuple[float, float]]:
    """Pixel positions for a view.

    Each connected component is laid out on its own (:func:`force_layout`), sized by its node
    count, and the components are packed in rows, largest first. Laid out together, isolated
    papers fly to a far ring and squash the main component into a ball.
    """
    g = nx.Graph()
    g.add_nodes_from(sorted(nodes))
    edges = sorted(edges)
    heaviest = max((w for _, _, w in edges), default=1.0) or 1.0
    # relative weights in (0, 1]: raw counts of shared papers would pull hubs into one blob
    g.add_weighted_edges_from((a, b, 0.2 + 0.8 * w / heaviest) for a, b, w in edges)
    if g.number_of_nodes() == 0:
        return {}
    boxes = []
    for component in sorted(nx.connected_components(g), key=lambda c: (-len(c), min(c))):
        n = len(component)
        if n == 1:
            boxes.append(({next(iter(component)): (0.0, 0.0)}, 0.0, 0.0))
            continue
        pos = force_layout(g.subgraph(component), seed=seed, spread=spread)
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
        # about 110 px per node along each side of a square
        side = max(110.0 * math.sqrt(n), 520.0)
        scaled = {k: ((x - min(xs)) * side / span, (y - min(ys)) * side / span) for k, (x, y) in pos.items()}
        boxes.append((scaled, (max(xs) - min(xs)) * side / span, (max(ys) - min(ys)) * side / span))
    gap = 70.0
    total_area = sum((w + gap) * (h + gap) for _, w, h in boxes)
    row_limit = max(boxes[0][1], math.sqrt(total_area) * 1.3)
    out: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for pos, w, h in boxes:
        if x > 0 and x + w > row_limit:
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        for node, (px, py) in pos.items():
            out[node] = (px + x, py + y)
        x += w + gap
        row_height = max(row_height, h)
    return out


def _size(count: float, base: float = 8.0, factor: float = 4.0, cap: float = 40.0) -> float:
    return round(min(cap, base + factor * math.sqrt(max(count, 0.0))), 1)


# --------------------------------------------------------------------------- rendering

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="kg (pyvis {{ pyvis_version }} / vis-network 9.1.2)">
<title>{{ title }}</title>
<style>{{ vis_css }}</style>
<style>{{ tom_css }}</style>
<style>
  html, body { margin: 0; height: 100%; font: 14px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; }
  body { display: flex; flex-direction: column; }
  header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 18px; padding: 8px 14px; border-bottom: 1px solid #ddd; background: #fafafa; }
  header h1 { font-size: 17px; margin: 0; }
  header .sub { color: #666; }
  #search-box { min-width: 320px; }
  button { font: inherit; padding: 3px 10px; border: 1px solid #bbb; border-radius: 4px; background: #fff; cursor: pointer; }
  main { flex: 1; display: flex; min-height: 0; }
  #mynetwork { flex: 1; min-width: 0; position: relative; }
  aside { width: 300px; overflow: auto; border-left: 1px solid #ddd; padding: 10px 12px; background: #fcfcfc; }
  aside h2 { font-size: 14px; margin: 4px 0 6px; }
  .legend div { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
  .legend .sw { width: 12px; height: 12px; flex: none; border: 1px solid #0003; }
  .legend .sw.dot { border-radius: 50%; }
  .legend .sw.diamond { transform: rotate(45deg) scale(.8); }
  .legend .sw.line { height: 3px; border: none; }
  .legend div[data-key]:not([data-key=""]) { cursor: pointer; }
  .legend div.off { opacity: .35; text-decoration: line-through; }
  #details { margin-top: 12px; word-wrap: break-word; }
  .vis-tooltip { max-width: 420px; white-space: normal !important; font: 13px/1.35 system-ui, sans-serif !important; }
</style>
<script>{{ bindings_js }}</script>
<script>{{ vis_js }}</script>
<script>{{ tom_js }}</script>
</head>
<body>
<header>
  <h1>{{ title }}</h1>
  <span class="sub">{{ subtitle }}</span>
  <select id="search-box" placeholder="Search a node…">
    <option value="">Search a node…</option>
    {%- for item in search %}
    <option value="{{ item[0] }}">{{ item[1] }}</option>
    {%- endfor %}
  </select>
  <button type="button" id="reset">Reset</button>
</header>
<main>
  <div id="mynetwork"></div>
  <aside>
    <h2>Legend</h2>
    <div class="legend">
    {%- for colour, shape, text, key in legend %}
      <div data-key="{{ key }}" title="{{ 'click to hide or show' if key else '' }}"><span class="sw {{ shape }}" style="background: {{ colour }}"></span><span>{{ text }}</span></div>
    {%- endfor %}
    </div>
    <div id="details"><p class="sub">Hover a node or edge for details; click a node to pin them here and highlight its neighbours. Click a legend entry to hide or show its nodes.</p></div>
  </aside>
</main>
<script>
  // globals that pyvis's bindings (neighbourhoodHighlight, selectNode) expect
  var nodes, edges, network, allNodes, allEdges, nodeColors = {}, highlightActive = false, filterActive = false;
  window.kgView = { ready: false, errors: [], expectedNodes: {{ node_count }}, expectedEdges: {{ edge_count }} };
  window.addEventListener("error", function (e) { window.kgView.errors.push(String(e.message)); });
  (function () {
    var t0 = performance.now();
    var rawNodes = {{ nodes | tojson }};
    var rawEdges = {{ edges | tojson }};
    // tooltips arrive as HTML built from escaped text; vis-network 9 renders strings as plain
    // text, so hand it elements instead
    function element(markup) { var d = document.createElement("div"); d.innerHTML = markup; return d; }
    rawNodes.forEach(function (n) { if (n.title) { n.tip = n.title; n.title = element(n.title); } nodeColors[n.id] = n.color; });
    rawEdges.forEach(function (e) { if (e.title) { e.title = element(e.title); } });
    nodes = new vis.DataSet(rawNodes);
    edges = new vis.DataSet(rawEdges);
    allNodes = nodes.get({ returnType: "Object" });
    allEdges = edges.get({ returnType: "Object" });
    var options = {{ options }};
    network = new vis.Network(document.getElementById("mynetwork"), { nodes: nodes, edges: edges }, options);
    window.kgView.network = network;
    network.once("afterDrawing", function () {
      window.kgView.ready = true;
      window.kgView.readyMs = performance.now() - t0;  // script start -> first draw
      window.kgView.readyAt = performance.now();  // navigation start -> first draw
      window.kgView.drawnNodes = Object.keys(network.body.nodes).filter(function (id) { return nodes.get(id) !== null; }).length;
    });
    var details = document.getElementById("details");
    network.on("click", function (params) {
      neighbourhoodHighlight(params);
      if (params.nodes.length) { details.innerHTML = nodes.get(params.nodes[0]).tip || ""; }
    });
    var search = new TomSelect("#search-box", { create: false, maxOptions: 200, sortField: { field: "text", direction: "asc" } });
    search.on("change", function (value) {
      if (!value) { return; }
      selectNode([value]);
      network.focus(value, { scale: 1.2, animation: false });
      details.innerHTML = nodes.get(value).tip || "";
    });
    // legend entries filter: hide / show the nodes whose "lg" key they carry
    document.querySelectorAll(".legend div[data-key]").forEach(function (entry) {
      var key = entry.getAttribute("data-key");
      if (!key) { return; }
      entry.addEventListener("click", function () {
        var hide = !entry.classList.contains("off");
        entry.classList.toggle("off", hide);
        nodes.update(nodes.get({ filter: function (n) { return n.lg === key; } })
          .map(function (n) { return { id: n.id, hidden: hide }; }));
      });
    });
    document.getElementById("reset").addEventListener("click", function () {
      search.clear(true);
      neighbourhoodHighlight({ nodes: [] });
      network.unselectAll();
      network.fit({ animation: false });
    });
  })();
</script>
</body>
</html>
"""


def _pyvis_asset(relative: str) -> Markup:
    import pyvis

    path = Path(pyvis.__file__).parent / "templates" / relative
    text = path.read_text(encoding="utf-8")
    # inlined inside <script>/<style>: a literal "</script" in a library would end the element
    return Markup(text.replace("</script", "<\\/script"))


def _environment() -> Environment:
    return Environment(
        loader=DictLoader({"kg_view.html": _TEMPLATE}),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


def _options(directed: bool) -> dict[str, Any]:
    return {
        "physics": {"enabled": False},
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": True,
            "navigationButtons": False,
            "keyboard": {"enabled": True, "bindToWindow": False},
        },
        "nodes": {
            "borderWidth": 1,
            "font": {"size": 14, "face": "system-ui, sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"},
            # labels vanish when zoomed far out instead of turning into grey noise
            "scaling": {"label": {"enabled": True, "drawThreshold": 7}},
        },
        "edges": {
            # straight edges: curved ones cost a lot to draw on thousands of edges
            "smooth": False,
            "color": {"inherit": False},
            "arrows": {"to": {"enabled": directed, "scaleFactor": 0.4}},
        },
    }


def render_view(view: View) -> str:
    """The complete, self-contained HTML page of ``view``."""
    import pyvis
    from pyvis.network import Network

    net = Network(directed=True, cdn_resources="in_line", heading="")
    for node in view.nodes:
        attrs = {k: v for k, v in node.items() if k not in ("id", "label")}
        net.add_node(node["id"], label=node.get("label") or " ", **attrs)
    for edge in view.edges:
        attrs = {k: v for k, v in edge.items() if k not in ("from", "to")}
        # pyvis adds arrows="to" to every edge of a directed Network; undirected views say so
        attrs.setdefault("arrows", "to" if view.directed else "")
        net.add_edge(edge["from"], edge["to"], **attrs)
    nodes, edges, _heading, _height, _width, _options_json = net.get_network_data()
    search = sorted(
        ((n["id"], n.get("search") or n.get("label") or n["id"]) for n in nodes),
        key=lambda item: str(item[1]).lower(),
    )
    clean_nodes = [{k: v for k, v in n.items() if k != "search"} for n in nodes]
    return _environment().get_template("kg_view.html").render(
        title=view.title,
        subtitle=view.subtitle,
        legend=view.legend,
        search=search,
        nodes=clean_nodes,
        edges=edges,
        node_count=len(nodes),
        edge_count=len(edges),
        options=Markup(json.dumps(_options(view.directed))),
        pyvis_version=getattr(pyvis, "__version__", "0.3.2"),
        vis_css=_pyvis_asset("lib/vis-9.1.2/vis-network.css"),
        vis_js=_pyvis_asset("lib/vis-9.1.2/vis-network.min.js"),
        tom_css=_pyvis_asset("lib/tom-select/tom-select.css"),
        tom_js=_pyvis_asset("lib/tom-select/tom-select.complete.min.js"),
        bindings_js=_pyvis_asset("lib/bindings/utils.js"),
    )


def write_view(view: View, path: Path | str) -> Path:
    """Write ``view`` as one HTML file (atomically) and return its path."""
    path = Path(path)
    page = render_view(view)
    with atomic_write(path) as handle:
        handle.write(page)
    return path


# --------------------------------------------------------------------------- node helpers


def _graph_node(
    graph: nx.DiGraph,
    node: str,
    pos: dict[str, tuple[float, float]],
    *,
    colour: str | None = None,
    size: float | None = None,
    community_label: str | None = None,
    label_chars: int = 40,
) -> dict[str, Any]:
    data = graph.nodes[node]
    label = _node_label(data)
    name = _display(graph, node)
    if size is None:
        if data.get("concept"):
            size = _size(float(data.get("paper_count") or 1))
        elif label == "Paper":
            size = 9.0
        else:
            size = 7.0
    x, y = pos.get(node, (0.0, 0.0))
    # bigger labels for more used concepts: when zoomed out, vis.js drops the small ones first
    font_size = round(10 + min(8.0, 2.0 * math.sqrt(float(data.get("paper_count") or 1)))) if data.get("concept") else 11
    return {
        "id": node,
        "label": shorten(name, label_chars),
        "search": f"{name} ({label})",
        "title": tooltip(graph, node, community_label),
        "color": colour or TYPE_COLOURS.get(label, OTHER_COLOUR),
        "shape": TYPE_SHAPES.get(label, "dot"),
        "size": size,
        "x": round(x, 1),
        "y": round(y, 1),
        "font": {"size": font_size},
        "physics": False,
        "kind": label,
        "lg": label,
    }


def _graph_edge(u: str, v: str, data: dict[str, Any], *, width: float = 1.0, colour: str = "#b9b9b9") -> dict[str, Any]:
    return {
        "from": u,
        "to": v,
        "title": edge_tooltip(data),
        "width": round(width, 2),
        "color": colour,
        "relation": str(data.get("type", "")),
    }


def _type_legend(nodes: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    counts: dict[str, int] = {}
    for n in nodes:
        counts[n["kind"]] = counts.get(n["kind"], 0) + 1
    return [
        (TYPE_COLOURS.get(g, OTHER_COLOUR), TYPE_SHAPES.get(g, "dot"), f"{g} ({counts[g]})", g)
        for g in TYPE_COLOURS
        if g in counts
    ]


def _concept_score(graph: nx.DiGraph, node: str) -> tuple[float, float, str]:
    data = graph.nodes[node]
    return (-float(data.get("paper_count") or 0), -float(data.get("pagerank") or 0), node)


def _is_analysed(graph: nx.DiGraph, node: str, include_broad: bool) -> bool:
    data = graph.nodes[node]
    return bool(data.get("concept")) and (include_broad or not data.get("broad"))


# --------------------------------------------------------------------------- the views


def corpus_view(
    graph: nx.DiGraph,
    *,
    max_concepts: int = 250,
    max_papers: int = 1500,
    include_broad: bool = False,
    title: str = "Knowledge graph",
) -> View:
    """The whole corpus: papers, their most used concepts and code repositories, by type."""
    concepts = sorted(
        (n for n in graph if _is_analysed(graph, n, include_broad)),
        key=lambda n: _concept_score(graph, n),
    )[:max_concepts]
    chosen = set(concepts)
    papers = paper_nodes(graph)
    links = {
        p: [v for _, v, t in graph.out_edges(p, data="type") if v in chosen and t in CONCEPT_RELATIONS]
        for p in papers
    }
    papers = sorted(papers, key=lambda p: (-len(links[p]), p))[:max_papers]
    repos = sorted(
        {v for p in papers for _, v, t in graph.out_edges(p, data="type") if t == "HAS_CODE"}
    )
    members = set(papers) | chosen | set(repos)
    edge_list = [
        (u, v, d)
        for u in papers
        for _, v, d in graph.out_edges(u, data=True)
        if v in members and d.get("type") in CONCEPT_RELATIONS | {"HAS_CODE"}
    ]
    pos = layout(members, ((u, v, 1.0) for u, v, _ in edge_list))
    view = View(
        title=title,
        subtitle=(
            f"{len(papers)} papers, {len(concepts)} most used concepts"
            f"{'' if include_broad else ' (broad terms left out)'}, {len(repos)} code links"
        ),
        directed=True,
    )
    view.nodes = [_graph_node(graph, n, pos) for n in sorted(members)]
    view.edges = [_graph_edge(u, v, d) for u, v, d in edge_list]
    view.legend = _type_legend(view.nodes)
    return view


def write_graph_html(
    graph: nx.DiGraph,
    path: Path | str,
    *,
    max_concepts: int = 250,
    max_papers: int = 1500,
    include_broad: bool = False,
) -> None:
    """Write the whole-corpus view (``graph.html`` of ``kg build``).

    Parameters
    ----------
    graph : nx.DiGraph
        The graph of :func:`kg.graph.build_graph` (analytics attributes are used when present).
    path : path of the HTML file to write.
    max_concepts : the most used concepts drawn (papers link only to these).
    max_papers : papers drawn, those linking most of the drawn concepts first.
    include_broad : also draw concepts flagged ``broad``.
    """
    write_view(
        corpus_view(graph, max_concepts=max_concepts, max_papers=max_papers, include_broad=include_broad),
        path,
    )


def _community_legend(analysis: Analysis, shown: Iterable[str]) -> list[tuple[str, str, str, str]]:
    membership = analysis.membership
    present = sorted({membership[n] for n in shown if n in membership})
    out = []
    for k in present:
        colour = COMMUNITY_COLOURS[k] if k < len(COMMUNITY_COLOURS) else OTHER_COLOUR
        out.append((colour, "dot", f"{k}: {analysis.community_labels[k]} ({len(analysis.communities[k])})", f"c{k}"))
    return out


def _community_colour(analysis: Analysis, node: str) -> str:
    k = analysis.membership.get(node)
    return COMMUNITY_COLOURS[k] if k is not None and k < len(COMMUNITY_COLOURS) else OTHER_COLOUR


def _cooccurrence_view(
    graph: nx.DiGraph,
    analysis: Analysis,
    concepts: list[str],
    *,
    title: str,
    subtitle: str,
    colour_by: str,
    max_edges_per_node: int = 12,
) -> View:
    chosen = set(concepts)
    sub = analysis.cooc.subgraph(chosen)
    # keep each concept's strongest ties only: a hairball of weak edges hides the structure
    kept: set[tuple[str, str]] = set()
    for node in sub:
        ranked = sorted(sub[node].items(), key=lambda kv: (-kv[1]["weight"], kv[0]))
        for other, _ in ranked[:max_edges_per_node]:
            kept.add(tuple(sorted((node, other))))
    edge_list = [(a, b, sub[a][b]["weight"]) for a, b in sorted(kept)]
    membership = analysis.membership
    # ties inside a community pull harder than ties across, so communities show as regions
    pos = layout(
        chosen,
        ((a, b, w if membership.get(a) == membership.get(b) else 0.15 * w) for a, b, w in edge_list),
        spread=2.0,
    )
    max_w = max((w for _, _, w in edge_list), default=1)
    view = View(title=title, subtitle=subtitle)
    for n in sorted(chosen):
        label = analysis.community_labels[analysis.membership[n]] if n in analysis.membership else None
        colour = _community_colour(analysis, n) if colour_by == "community" else None
        node = _graph_node(graph, n, pos, colour=colour, community_label=label,
                           size=_size(analysis.paper_counts.get(n, 1), base=8, factor=3, cap=30))
        if colour_by == "community" and n in analysis.membership:
            node["lg"] = f"c{analysis.membership[n]}"
        view.nodes.append(node)
    for a, b, w in edge_list:
        view.edges.append(
            _graph_edge(a, b, {"type": "CO_OCCURS", "weight": w}, width=1 + 7 * w / max_w)
        )
    view.legend = (
        _community_legend(analysis, chosen) if colour_by == "community" else _type_legend(view.nodes)
    )
    return view


def overview_view(
    graph: nx.DiGraph, analysis: Analysis, *, top: int = 80, colour_by: str = "community"
) -> View:
    """Co-occurrence graph of the ``top`` concepts by PageRank, coloured by community or type."""
    ranked = sorted(analysis.cooc, key=lambda n: (-analysis.pagerank.get(n, 0.0), n))[:top]
    return _cooccurrence_view(
        graph, analysis, ranked,
        title="Concept overview",
        subtitle=f"top {len(ranked)} concepts by PageRank; edges = papers in common; colour = {colour_by}",
        colour_by=colour_by,
    )


def community_view(graph: nx.DiGraph, analysis: Analysis, community: int, *, top: int = 60) -> View:
    """The concepts of one community and their co-occurrences, coloured by type."""
    if not 0 <= community < len(analysis.communities):
        count = len(analysis.communities)
        raise KeyError(f"no community {community}; there are {count}" + (f" (0-{count - 1})" if count else ""))
    members = sorted(analysis.communities[community], key=lambda n: (-analysis.pagerank.get(n, 0.0), n))[:top]
    return _cooccurrence_view(
        graph, analysis, members,
        title=f"Community {community}: {analysis.community_labels[community]}",
        subtitle=f"{len(members)} of {len(analysis.communities[community])} concepts; edges = papers in common",
        colour_by="type",
    )


def bipartite_view(
    graph: nx.DiGraph,
    analysis: Analysis,
    *,
    top_concepts: int = 40,
    concept_type: str | None = None,
    min_links: int = 1,
    max_papers: int = 400,
) -> View:
    """Papers and the ``top_concepts`` concepts (optionally of one type) they link to."""
    candidates = [
        n for n in analysis.cooc
        if concept_type is None or str(graph.nodes[n].get("type")) == concept_type
    ]
    concepts = sorted(candidates, key=lambda n: (-analysis.paper_counts.get(n, 0), n))[:top_concepts]
    chosen = set(concepts)
    per_paper: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for c in concepts:
        for p, _, d in graph.in_edges(c, data=True):
            if d.get("type") in CONCEPT_RELATIONS:
                per_paper.setdefault(p, []).append((c, d))
    papers = sorted(
        (p for p, ls in per_paper.items() if len(ls) >= min_links),
        key=lambda p: (-len(per_paper[p]), p),
    )[:max_papers]
    edge_list = [(p, c, d) for p in papers for c, d in per_paper[p]]
    pos = layout(set(papers) | chosen, ((u, v, 1.0) for u, v, _ in edge_list))
    view = View(
        title="Papers and concepts",
        subtitle=(
            f"{len(papers)} papers linking to the {len(concepts)} most used "
            f"{concept_type + ' ' if concept_type else ''}concepts"
        ),
        directed=True,
    )
    view.nodes = [_graph_node(graph, n, pos) for n in sorted(set(papers) | chosen)]
    view.edges = [_graph_edge(u, v, d) for u, v, d in edge_list]
    view.legend = _type_legend(view.nodes)
    return view


def find_concept(graph: nx.DiGraph, name: str) -> str:
    """Resolve a concept id, name or alias (case-insensitive) to its node key."""
    if name in graph and graph.nodes[name].get("concept"):
        return name
    wanted = name.strip().lower()
    hits = sorted(
        n for n, d in graph.nodes(data=True)
        if d.get("concept")
        and (str(d.get("name", "")).lower() == wanted or wanted in (str(a).lower() for a in d.get("aliases") or []))
    )
    if not hits:
        raise KeyError(f"no concept named {name!r}")
    if len(hits) > 1:
        # the same surface form as, say, a method and a task: prefer the most used one
        hits.sort(key=lambda n: _concept_score(graph, n))
    return hits[0]


def find_paper(graph: nx.DiGraph, paper: str) -> str:
    """Resolve a paper id, arXiv id, title or unique title fragment to its node key
    (:func:`kg.analytics.papers.find_paper`, which every command uses)."""
    return _resolve_paper(graph, paper)


def concept_view(
    graph: nx.DiGraph,
    analysis: Analysis,
    concept: str,
    *,
    depth: int = 2,
    max_papers: int = 60,
    max_concepts: int = 60,
) -> View:
    """Ego view of a concept: its papers (depth 1), and their other concepts (depth 2)."""
    centre = find_concept(graph, concept)
    papers = sorted(
        {p for p, _, d in graph.in_edges(centre, data=True) if d.get("type") in CONCEPT_RELATIONS}
    )[:max_papers]
    members = {centre, *papers}
    edge_list = [(p, centre, graph.edges[p, centre]) for p in papers]
    if depth >= 2:
        counts: dict[str, int] = {}
        for p in papers:
            for _, c, d in graph.out_edges(p, data=True):
                if c != centre and d.get("type") in CONCEPT_RELATIONS and _is_analysed(graph, c, analysis.include_broad):
                    counts[c] = counts.get(c, 0) + 1
        others = sorted(counts, key=lambda c: (-counts[c], c))[:max_concepts]
        members.update(others)
        edge_list += [
            (p, c, graph.edges[p, c]) for p in papers for c in others if graph.has_edge(p, c)
        ]
    pos = layout(members, ((u, v, 1.0) for u, v, _ in edge_list))
    view = View(
        title=f"Concept: {_display(graph, centre)}",
        subtitle=f"{len(papers)} papers" + (f" and {len(members) - len(papers) - 1} concepts they share" if depth >= 2 else ""),
        directed=True,
    )
    view.nodes = _centred_nodes(graph, members, pos, centre, size=36)
    view.edges = [_graph_edge(u, v, d) for u, v, d in edge_list]
    view.legend = _type_legend(view.nodes)
    return view


def _centred_nodes(
    graph: nx.DiGraph, members: set[str], pos: dict[str, tuple[float, float]], centre: str, size: int
) -> list[dict[str, Any]]:
    """Nodes of an ego view, the one it is centred on drawn larger and outlined."""
    nodes = []
    for n in sorted(members):
        node = _graph_node(graph, n, pos)
        if n == centre:
            node["size"] = size
            node["borderWidth"] = 4
        nodes.append(node)
    return nodes


def paper_view(graph: nx.DiGraph, analysis: Analysis, paper: str, *, neighbours: int = 8) -> View:
    """A paper, its concepts and code, and its nearest papers with the concepts they share."""
    centre = find_paper(graph, paper)
    own = [
        (c, d) for _, c, d in graph.out_edges(centre, data=True)
        if d.get("type") in CONCEPT_RELATIONS | {"HAS_CODE"}
    ]
    near = analysis.neighbours.get(centre, [])[:neighbours]
    members = {centre, *(c for c, _ in own), *(p for p, _ in near)}
    edge_list: list[tuple[str, str, dict[str, Any]]] = [(centre, c, d) for c, d in own]
    own_concepts = {c for c, d in own if d.get("type") in CONCEPT_RELATIONS}
    for p, score in near:
        shared = shared_concepts(graph, centre, p, analysis.include_broad)
        edge_list.append((centre, p, {"type": "SIMILAR_TO", "score": score, "shared": shared}))
        for _, c, d in graph.out_edges(p, data=True):
            if c in own_concepts:
                edge_list.append((p, c, d))
    pos = layout(members, ((u, v, 1.0) for u, v, _ in edge_list))
    view = View(
        title=f"Paper: {shorten(_display(graph, centre), 90)}",
        subtitle=f"{len(own_concepts)} concepts, {len(near)} most similar papers (shared concepts weighted by rarity)",
        directed=True,
    )
    view.nodes = _centred_nodes(graph, members, pos, centre, size=30)
    for u, v, d in edge_list:
        similar = d.get("type") == "SIMILAR_TO"
        view.edges.append(
            _graph_edge(u, v, d, width=1 + 6 * float(d.get("score", 0)) if similar else 1.0,
                        colour="#4e79a7" if similar else "#b9b9b9")
        )
    view.legend = _type_legend(view.nodes) + [("#4e79a7", "line", "similar paper (edge)", "")]
    return view
