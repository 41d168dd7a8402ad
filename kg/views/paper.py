"""The paper view: a paper, its concepts and code, and its most similar papers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import networkx as nx

from kg.analytics.papers import shared_concepts
from kg.schema import CONCEPT_RELATIONS, HAS_CODE, SIMILAR_TO
from kg.views.concept import PAPER_LABEL_CHARS
from kg.views.elements import centred_nodes, graph_edge, type_legend
from kg.views.labels import lay_out_legibly
from kg.views.layout import layout
from kg.views.model import View
from kg.views.select import concept_rank, find_paper, is_drawn_concept
from kg.views.text import shorten
from kg.views.tooltips import display_name

if TYPE_CHECKING:
    from kg.analytics import Analysis


def paper_view(graph: nx.DiGraph, analysis: Analysis, paper: str, *, neighbours: int = 8) -> View:
    """A paper, its concepts and code, and its nearest papers with the concepts they share."""
    centre = find_paper(graph, paper)
    # broad concepts (machine learning, fine-tuning ...) only with --include-broad, as elsewhere
    own = [
        (c, d) for _, c, d in graph.out_edges(centre, data=True)
        if d.get("type") == HAS_CODE
        or (d.get("type") in CONCEPT_RELATIONS and is_drawn_concept(graph, c, analysis.include_broad))
    ]
    near = analysis.neighbours.get(centre, [])[:neighbours]
    members = {centre, *(c for c, _ in own), *(p for p, _ in near)}
    edge_list: list[tuple[str, str, dict[str, Any]]] = [(centre, c, d) for c, d in own]
    own_concepts = {c for c, d in own if d.get("type") in CONCEPT_RELATIONS}
    for p, score in near:
        shared = shared_concepts(graph, centre, p, analysis.include_broad)
        edge_list.append((centre, p, {"type": SIMILAR_TO, "score": score, "shared": shared}))
        for _, c, d in graph.out_edges(p, data=True):
            if c in own_concepts:
                edge_list.append((p, c, d))
    pos = layout(members, ((u, v, 1.0) for u, v, _ in edge_list))
    view = View(
        title=f"Paper: {shorten(display_name(graph, centre), 90)}",
        subtitle=f"{len(own_concepts)} concepts, {len(near)} most similar papers (shared concepts weighted by rarity)",
        directed=True,
    )
    view.centre = centre
    view.nodes = centred_nodes(graph, members, pos, centre, size=30, label_chars=PAPER_LABEL_CHARS)
    lay_out_legibly(view.nodes, [centre, *(p for p, _ in near), *sorted(own_concepts, key=lambda c: concept_rank(graph, c))])
    for u, v, d in edge_list:
        similar = d.get("type") == SIMILAR_TO
        view.edges.append(
            graph_edge(u, v, d, width=1 + 6 * float(d.get("score", 0)) if similar else 1.0,
                        colour="#4e79a7" if similar else "#b9b9b9")
        )
    view.legend = type_legend(view.nodes) + [("#4e79a7", "line", "similar paper (edge)", "")]
    return view
