"""The bipartite view: papers and the most used concepts (optionally of one type) they link to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import networkx as nx

from kg.schema import CONCEPT_RELATIONS
from kg.views.elements import graph_edge, graph_node, type_legend
from kg.views.labels import lay_out_legibly
from kg.views.layout import layout
from kg.views.model import View

if TYPE_CHECKING:
    from kg.analytics import Analysis

PAPER_SIZE = 6.0


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
    for n in sorted(set(papers) | chosen):
        node = graph_node(graph, n, pos)
        if n not in chosen:
            node.update(label=" ", size=PAPER_SIZE)  # hundreds of titles cannot all be labelled
        view.nodes.append(node)
    lay_out_legibly(view.nodes, concepts)
    view.edges = [graph_edge(u, v, d, colour="#d4d4d4") for u, v, d in edge_list]
    view.legend = type_legend(view.nodes)
    return view
