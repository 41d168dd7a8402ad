"""The corpus view (``graph.html`` of ``kg build``): the papers and the concepts they share.

Drawn to be read at a glance in a 1400x900 window: the most used concepts (never broad ones,
unless asked) as labelled hubs, each paper as a small square beside the concepts it links to,
and the papers that link to none of the drawn concepts listed beside the graph rather than
drawn as a row of isolated squares. Code links and titles are in the papers' tooltips.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from kg.graph import paper_nodes
from kg.schema import CONCEPT_RELATIONS, HAS_CODE
from kg.text import counted
from kg.views.elements import graph_edge, graph_node, type_legend
from kg.views.labels import lay_out_legibly
from kg.views.layout import layout
from kg.views.model import SideList, View
from kg.views.page import write_view
from kg.views.select import concept_rank, is_drawn_concept
from kg.views.text import http_url
from kg.views.tooltips import display_name

#: concepts drawn by default: as many as can be labelled legibly beside a few hundred papers
DEFAULT_CONCEPTS = 60
#: papers drawn at most (those linking most drawn concepts first): more are specks at 1400x900
DEFAULT_PAPERS = 400
#: entries of the list of papers not drawn; past them the list says how many more there are
LISTED_PAPERS = 300
PAPER_SIZE = 6.0


def corpus_view(
    graph: nx.DiGraph,
    *,
    max_concepts: int = DEFAULT_CONCEPTS,
    max_papers: int = DEFAULT_PAPERS,
    include_broad: bool = False,
    title: str = "Knowledge graph",
) -> View:
    """The whole corpus: papers and the ``max_concepts`` most used concepts they share.

    Only concepts of at least two papers are drawn (one paper's concept links nothing); papers
    linking to none of the drawn concepts are listed beside the graph.
    """
    concepts = sorted(
        (n for n in graph if is_drawn_concept(graph, n, include_broad) and _paper_count(graph, n) >= 2),
        key=lambda n: concept_rank(graph, n),
    )[:max_concepts]
    chosen = set(concepts)
    links = {
        p: [v for _, v, t in graph.out_edges(p, data="type") if v in chosen and t in CONCEPT_RELATIONS]
        for p in paper_nodes(graph)
    }
    linked = sorted((p for p, ls in links.items() if ls), key=lambda p: (-len(links[p]), p))
    papers, left_out = linked[:max_papers], linked[max_papers:]
    unlinked = sorted((p for p, ls in links.items() if not ls), key=lambda p: display_name(graph, p).lower())
    with_code = sum(1 for p in papers if any(t == HAS_CODE for _, _, t in graph.out_edges(p, data="type")))
    members = set(papers) | chosen
    edge_list = [(p, c, graph.edges[p, c]) for p in papers for c in sorted(links[p])]
    pos = layout(members, ((u, v, 1.0) for u, v, _ in edge_list))
    view = View(
        title=title,
        subtitle=(
            f"{len(papers)} papers ({with_code} with code) around the {len(concepts)} most shared concepts"
            f"{'' if include_broad else ' (broad terms left out)'}; hover a square for its paper"
        ),
        directed=True,
    )
    for n in sorted(members):
        node = graph_node(graph, n, pos)
        if n not in chosen:
            # papers go unlabelled: their titles are too long to label hundreds legibly
            node.update(label=" ", size=PAPER_SIZE)
        view.nodes.append(node)
    lay_out_legibly(view.nodes, concepts)
    view.edges = [graph_edge(u, v, d, colour="#d4d4d4") for u, v, d in edge_list]
    view.legend = type_legend(view.nodes)
    not_drawn = unlinked + left_out
    if not_drawn:
        entries = [(display_name(graph, p), _paper_url(graph, p)) for p in not_drawn[:LISTED_PAPERS]]
        if len(not_drawn) > LISTED_PAPERS:
            entries.append((f"… and {len(not_drawn) - LISTED_PAPERS} more (kg papers lists them all)", ""))
        view.side_lists.append(
            SideList(
                heading=f"{counted(len(not_drawn), 'paper')} not drawn"
                + (" (they share none of these concepts)" if not left_out else ""),
                entries=entries,
            )
        )
    return view


def _paper_count(graph: nx.DiGraph, concept: str) -> int:
    # from the edges: a graph fresh from build_graph has no analytics' paper_count yet
    return sum(1 for _, _, t in graph.in_edges(concept, data="type") if t in CONCEPT_RELATIONS)


def _paper_url(graph: nx.DiGraph, paper: str) -> str:
    data = graph.nodes[paper]
    if data.get("arxiv_id"):
        return f"https://arxiv.org/abs/{data['arxiv_id']}"
    return http_url(data.get("url"))


def write_graph_html(
    graph: nx.DiGraph,
    path: Path | str,
    *,
    max_concepts: int = DEFAULT_CONCEPTS,
    max_papers: int = DEFAULT_PAPERS,
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
