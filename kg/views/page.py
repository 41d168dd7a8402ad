"""Rendering: a :class:`~kg.views.model.View` as one self-contained HTML page.

The page is rendered through pyvis's data model into our own Jinja template. The template
replaces pyvis 0.3.2's stock one because that one still pulls Bootstrap from a CDN even with
``cdn_resources="in_line"`` (pyvis issues #228/#229) and prints node ids unescaped in its select
menu; ours inlines vis-network, tom-select and pyvis's highlight bindings from the installed
pyvis package, so a view opens offline. Positions come with the view (:mod:`kg.views.layout`)
and vis.js physics stays off, so even the whole-corpus view is interactive on first draw.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import DictLoader, Environment, select_autoescape
from markupsafe import Markup

from kg.sinks.files import atomic_write
from kg.views.model import View


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
  .side-list { margin-top: 10px; }
  .side-list summary { cursor: pointer; font-weight: 600; }
  .side-list ul { margin: 4px 0 0; padding-left: 16px; font-size: 12.5px; }
  .side-list li { margin: 2px 0; }
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
    {%- for side in side_lists %}
    <details class="side-list"><summary>{{ side.heading }}</summary><ul>
      {%- for text, url in side.entries %}
      <li>{% if url %}<a href="{{ url }}" target="_blank" rel="noopener noreferrer">{{ text }}</a>{% else %}{{ text }}{% endif %}</li>
      {%- endfor %}
    </ul></details>
    {%- endfor %}
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
      // the first fit knows node positions only; once labels are measured, fit them in too
      network.fit({ animation: false });
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
        side_lists=view.side_lists,
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
