"""The concept view: one concept, its papers and the other concepts those papers use."""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from kg.schema import CONCEPT_RELATIONS
from kg.text import counted
from kg.views.elements import centred_nodes, graph_edge, type_legend
from kg.views.labels import lay_out_legibly
from kg.views.layout import layout
from kg.views.model import View
from kg.views.select import find_concept, is_drawn_concept
from kg.views.tooltips import display_name

if TYPE_CHECKING:
    from kg.analytics import Analysis

#: papers are labelled with the start of their titles (the whole title is in the tooltip)
PAPER_LABEL_CHARS = 28


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
    counts: dict[str, int] = {}
    if depth >= 2:
        for p in papers:
            for _, c, d in graph.out_edges(p, data=True):
                if c != centre and d.get("type") in CONCEPT_RELATIONS and is_drawn_concept(graph, c, analysis.include_broad):
                    counts[c] = counts.get(c, 0) + 1
        # concepts the papers share: one paper's other concepts would bury the picture
        shared = [c for c in counts if counts[c] >= 2] if len(papers) > 1 else list(counts)
        others = sorted(shared, key=lambda c: (-counts[c], c))[:max_concepts]
        members.update(others)
        edge_list += [
            (p, c, graph.edges[p, c]) for p in papers for c in others if graph.has_edge(p, c)
        ]
    pos = layout(members, ((u, v, 1.0) for u, v, _ in edge_list))
    view = View(
        title=f"Concept: {display_name(graph, centre)}",
        subtitle=counted(len(papers), "paper") + (f" and {len(members) - len(papers) - 1} concepts they share" if depth >= 2 else ""),
        directed=True,
    )
    view.centre = centre
    view.nodes = centred_nodes(graph, members, pos, centre, size=36, label_chars=PAPER_LABEL_CHARS)
    linked = {p: sum(1 for u, _, _ in edge_list if u == p) for p in papers}
    concepts_first = sorted(members - set(papers) - {centre}, key=lambda c: (-counts.get(c, 0), c)) if depth >= 2 else []
    lay_out_legibly(view.nodes, [centre, *concepts_first, *sorted(papers, key=lambda p: (-linked[p], p))])
    view.edges = [graph_edge(u, v, d) for u, v, d in edge_list]
    view.legend = type_legend(view.nodes)
    return view
