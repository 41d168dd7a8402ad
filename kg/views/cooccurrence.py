"""Concept co-occurrence views: the overview of the top concepts and one community's concepts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from kg.schema import CO_OCCURS
from kg.views.elements import community_legend, concept_colour, graph_edge, graph_node, node_size, type_legend
from kg.views.labels import lay_out_legibly
from kg.views.palette import community_key
from kg.views.layout import layout
from kg.views.model import View

if TYPE_CHECKING:
    from kg.analytics import Analysis


def _cooccurrence_view(
    graph: nx.DiGraph,
    analysis: Analysis,
    concepts: list[str],
    *,
    title: str,
    subtitle: str,
    colour_by: str,
    max_edges_per_node: int = 4,
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
        colour = concept_colour(analysis, n) if colour_by == "community" else None
        node = graph_node(graph, n, pos, colour=colour, community_label=label,
                           size=node_size(analysis.paper_counts.get(n, 1), base=8, factor=3, cap=30))
        if colour_by == "community":
            node["lg"] = community_key(analysis.membership.get(n))
        view.nodes.append(node)
    for a, b, w in edge_list:
        view.edges.append(
            graph_edge(a, b, {"type": CO_OCCURS, "weight": w}, width=1 + 7 * w / max_w)
        )
    # most important first: if a label must go, the least central concept's goes
    lay_out_legibly(view.nodes, sorted(chosen, key=lambda n: (-analysis.pagerank.get(n, 0.0), n)))
    view.legend = (
        community_legend(analysis, chosen) if colour_by == "community" else type_legend(view.nodes)
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
