"""The corpus view (``graph.html`` of ``kg build``): papers, their most used concepts and code."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from kg.graph import paper_nodes
from kg.schema import CONCEPT_RELATIONS, HAS_CODE
from kg.views.elements import graph_edge, graph_node, type_legend
from kg.views.layout import layout
from kg.views.model import View
from kg.views.page import write_view
from kg.views.select import concept_rank, is_drawn_concept


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
        (n for n in graph if is_drawn_concept(graph, n, include_broad)),
        key=lambda n: concept_rank(graph, n),
    )[:max_concepts]
    chosen = set(concepts)
    papers = paper_nodes(graph)
    links = {
        p: [v for _, v, t in graph.out_edges(p, data="type") if v in chosen and t in CONCEPT_RELATIONS]
        for p in papers
    }
    papers = sorted(papers, key=lambda p: (-len(links[p]), p))[:max_papers]
    repos = sorted(
        {v for p in papers for _, v, t in graph.out_edges(p, data="type") if t == HAS_CODE}
    )
    members = set(papers) | chosen | set(repos)
    edge_list = [
        (u, v, d)
        for u in papers
        for _, v, d in graph.out_edges(u, data=True)
        if v in members and d.get("type") in CONCEPT_RELATIONS | {HAS_CODE}
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
    view.nodes = [graph_node(graph, n, pos) for n in sorted(members)]
    view.edges = [graph_edge(u, v, d) for u, v, d in edge_list]
    view.legend = type_legend(view.nodes)
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
