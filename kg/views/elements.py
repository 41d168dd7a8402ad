"""vis.js node and edge dicts and legends: how a graph node looks in a view."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import networkx as nx

from kg.schema import PAPER
from kg.views.palette import (
    COMMUNITY_COLOURS,
    OTHER_COLOUR,
    OTHER_COMMUNITIES,
    TYPE_COLOURS,
    TYPE_SHAPES,
    community_colour,
    community_key,
)
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
    # bigger labels for more used concepts, none under 12 px: legible at the size a view opens
    font_size = round(12 + min(6.0, 1.5 * math.sqrt(float(data.get("paper_count") or 1)))) if data.get("concept") else 12
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
    """One entry per community of the palette that ``shown`` draws, then one "other" entry for
    the communities past it (and concepts of none), which share a grey."""
    membership = analysis.membership
    present = sorted({membership[n] for n in shown if n in membership and membership[n] < len(COMMUNITY_COLOURS)})
    out = [
        (community_colour(k), "dot", f"{k}: {analysis.community_labels[k]} ({len(analysis.communities[k])})", community_key(k))
        for k in present
    ]
    others = sorted({membership.get(n, -1) for n in shown} - set(present))
    if others:
        concepts = sum(1 for n in shown if membership.get(n, -1) in others)
        out.append((OTHER_COLOUR, "dot", f"other: {len(others)} smaller communities ({concepts} drawn)", OTHER_COMMUNITIES))
    return out


def concept_colour(analysis: Analysis, node: str) -> str:
    return community_colour(analysis.membership.get(node))


def centred_nodes(
    graph: nx.DiGraph, members: set[str], pos: dict[str, tuple[float, float]], centre: str, size: int,
    label_chars: int = 40,
) -> list[dict[str, Any]]:
    """Nodes of an ego view, the one it is centred on drawn larger and outlined; papers other
    than the centre are labelled with the first ``label_chars`` characters of their titles."""
    nodes = []
    for n in sorted(members):
        short = label_chars if n != centre and node_kind(graph.nodes[n]) == PAPER else 40
        node = graph_node(graph, n, pos, label_chars=short)
        if n == centre:
            node["size"] = size
            node["borderWidth"] = 4
        nodes.append(node)
    return nodes
