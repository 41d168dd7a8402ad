"""Concept co-occurrence: two concepts co-occur when one paper links to both."""

from __future__ import annotations

import networkx as nx
import numpy as np
from scipy import sparse

from kg.analytics._views import analysed_concepts, display_name, paper_concepts
from kg.schema import CO_OCCURS


def cooccurrence_graph(
    graph: nx.DiGraph, include_broad: bool = False, min_weight: int = 1
) -> nx.Graph:
    """Undirected concept graph weighted by the number of papers two concepts share.

    Parameters
    ----------
    graph : nx.DiGraph
        The paper-concept graph of :func:`kg.graph.build_graph`.
    include_broad : bool, optional
        Keep concepts flagged ``broad`` (generic terms such as "deep learning"); they co-occur
        with everything and would dominate every ranking, so they are left out by default.
    min_weight : int, optional
        Drop pairs that share fewer papers than this.

    Returns
    -------
    nx.Graph
        One node per analysed concept (also the isolated ones, with the concept's attributes
        copied) and an edge ``weight`` = number of shared papers.

    Examples
    --------
    >>> from kg.records import Concept, ConceptIndex, ConceptLink, Paper
    >>> from kg.graph import build_graph
    >>> index = ConceptIndex(
    ...     {c: Concept(c, c.split(":")[0], c.split(":")[1]) for c in ("method:a", "task:b")},
    ...     [ConceptLink("p1", "method:a", "USES"), ConceptLink("p1", "task:b", "ADDRESSES")],
    ... )
    >>> cooccurrence_graph(build_graph([Paper("T", id="p1")], index))["method:a"]["task:b"]
    {'weight': 1}
    """
    concepts = analysed_concepts(graph, include_broad)
    column = {c: i for i, c in enumerate(concepts)}
    linked = list(paper_concepts(graph, include_broad).values())
    indptr = np.cumsum([0] + [len(cs) for cs in linked])
    indices = np.fromiter((column[c] for cs in linked for c in cs), dtype=np.int64, count=int(indptr[-1]))
    incidence = sparse.csr_array(
        (np.ones(len(indices), dtype=np.int64), indices, indptr), shape=(len(linked), len(concepts))
    )
    # concepts x concepts: papers shared by each pair; its upper triangle in row order gives
    # each pair once, lower key first, in sorted order (the columns are the sorted keys)
    shared = sparse.triu(incidence.T @ incidence, k=1, format="csr")
    shared.sort_indices()
    firsts = np.repeat(np.arange(len(concepts)), np.diff(shared.indptr))
    keep = shared.data >= min_weight
    cooc = nx.Graph()
    cooc.add_nodes_from((c, graph.nodes[c]) for c in concepts)
    cooc.add_weighted_edges_from(
        zip(
            [concepts[i] for i in firsts[keep].tolist()],
            [concepts[i] for i in shared.indices[keep].tolist()],
            shared.data[keep].tolist(),
        )
    )
    return cooc


def strongest_cooccurrences(cooc: nx.Graph, n: int = 10) -> list[tuple[str, str, int]]:
    """The ``n`` heaviest co-occurrence pairs ``(a, b, weight)``, heaviest first."""
    edges = ((a, b, w) for a, b, w in cooc.edges(data="weight"))
    return sorted(edges, key=lambda e: (-e[2], e[0], e[1]))[:n]


def add_cooccurrence_edges(graph: nx.DiGraph, cooc: nx.Graph) -> None:
    """Copy co-occurrence pairs into the paper graph as ``CO_OCCURS {weight}``, lower key first."""
    for a, b, weight in cooc.edges(data="weight"):
        low, high = sorted((a, b))
        graph.add_edge(low, high, type=CO_OCCURS, weight=int(weight))


def describe_pair(graph: nx.DiGraph, a: str, b: str) -> str:
    return f"{display_name(graph, a)} + {display_name(graph, b)}"
