"""vis.js node and edge dicts and legends: how a graph node looks in a view."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import networkx as nx

from kg.schema import PAPER
from kg.views.palette import COMMUNITY_COLOURS, OTHER_COLOUR, TYPE_COLOURS, TYPE_SHAPES
from kg.views.text import shorten
from kg.views.tooltips import display_name, edge_tooltip, node_kind, tooltip

if TYPE_CHECKING:
    from kg.analytics import Analysis


def node_size(count: float, base: float = 8.0, factor: float = 4.0, cap: float = 40.0) -> float:
    return round(min(cap, base + factor * math.sqrt(max(count, 0.0))), 1)


def graph_node(
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
    label = node_kind(data)
    name = display_name(graph, node)
    if size is None:
        if data.get("concept"):
            size = node_size(float(data.get("paper_count") or 1))
        elif label == PAPER:
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


def graph_edge(u: str, v: str, data: dict[str, Any], *, width: float = 1.0, colour: str = "#b9b9b9") -> dict[str, Any]:
    return {
        "from": u,
        "to": v,
        "title": edge_tooltip(data),
        "width": round(width, 2),
        "color": colour,
        "relation": str(data.get("type", "")),
    }


def type_legend(nodes: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    counts: dict[str, int] = {}
    for n in nodes:
        counts[n["kind"]] = counts.get(n["kind"], 0) + 1
    return [
        (TYPE_COLOURS.get(g, OTHER_COLOUR), TYPE_SHAPES.get(g, "dot"), f"{g} ({counts[g]})", g)
        for g in TYPE_COLOURS
        if g in counts
    ]


def community_legend(analysis: Analysis, shown: Iterable[str]) -> list[tuple[str, str, str, str]]:
    membership = analysis.membership
    present = sorted({membership[n] for n in shown if n in membership})
    out = []
    for k in present:
        colour = COMMUNITY_COLOURS[k] if k < len(COMMUNITY_COLOURS) else OTHER_COLOUR
        out.append((colour, "dot", f"{k}: {analysis.community_labels[k]} ({len(analysis.communities[k])})", f"c{k}"))
    return out


def community_colour(analysis: Analysis, node: str) -> str:
    k = analysis.membership.get(node)
    return COMMUNITY_COLOURS[k] if k is not None and k < len(COMMUNITY_COLOURS) else OTHER_COLOUR


def centred_nodes(
    graph: nx.DiGraph, members: set[str], pos: dict[str, tuple[float, float]], centre: str, size: int
) -> list[dict[str, Any]]:
    """Nodes of an ego view, the one it is centred on drawn larger and outlined."""
    nodes = []
    for n in sorted(members):
        node = graph_node(graph, n, pos)
        if n == centre:
            node["size"] = size
            node["borderWidth"] = 4
        nodes.append(node)
    return nodes
