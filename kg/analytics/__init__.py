"""networkx analytics over the paper-concept graph.

Each family is a module of plain functions over a graph (networkx style):
:mod:`~kg.analytics.cooccurrence`, :mod:`~kg.analytics.centrality`,
:mod:`~kg.analytics.communities`, :mod:`~kg.analytics.similarity`,
:mod:`~kg.analytics.trends`, :mod:`~kg.analytics.code` and :mod:`~kg.analytics.citations`.
:func:`analyse` runs them all once and :func:`annotate` writes the results back onto the
graph as DESIGN.md's derived properties and relationships.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from kg.analytics._views import (
    CONCEPT_RELATIONS,
    analysed_concepts,
    concept_papers,
    remove_derived_edges,
)
from kg.analytics.citations import CitationSummary, cocitations, most_cited, summarise
from kg.analytics.centrality import (
    concept_betweenness,
    concept_degree,
    concept_pagerank,
    top_by,
)
from kg.analytics.code import CodeSplit, code_availability
from kg.analytics.communities import (
    bridge_concepts,
    community_map,
    concept_communities,
    label_communities,
)
from kg.analytics.cooccurrence import (
    add_cooccurrence_edges,
    cooccurrence_graph,
    strongest_cooccurrences,
)
from kg.analytics.similarity import (
    add_similarity_edges,
    most_similar_pairs,
    similar_papers,
    similar_papers_all,
)
from kg.analytics.trends import Trend, concept_trends, rising_and_falling

__all__ = [
    "Analysis",
    "analyse",
    "annotate",
    "apply",
    "bridge_concepts",
    "cocitations",
    "most_cited",
    "code_availability",
    "concept_betweenness",
    "concept_communities",
    "concept_degree",
    "concept_pagerank",
    "concept_trends",
    "cooccurrence_graph",
    "label_communities",
    "most_similar_pairs",
    "rising_and_falling",
    "similar_papers",
    "similar_papers_all",
    "strongest_cooccurrences",
    "top_by",
]

#: node attributes that :func:`annotate` owns on concept nodes
CONCEPT_METRICS = ("pagerank", "betweenness", "community", "degree")


@dataclass
class Analysis:
    """Everything one analytics run found; the report and the views read it."""

    include_broad: bool
    cooc: nx.Graph
    degree: dict[str, int]
    pagerank: dict[str, float]
    betweenness: dict[str, float]
    communities: list[set[str]]
    community_labels: list[str]
    bridges: list[dict[str, object]]
    paper_counts: dict[str, int]
    neighbours: dict[str, list[tuple[str, float]]]
    trends: list[Trend] = field(default_factory=list)
    code: CodeSplit = field(default_factory=CodeSplit)
    citations: CitationSummary = field(default_factory=CitationSummary)

    @property
    def membership(self) -> dict[str, int]:
        return community_map(self.communities)


def analyse(
    graph: nx.DiGraph,
    include_broad: bool = False,
    similar_top_k: int = 5,
    seed: int = 42,
) -> Analysis:
    """Run every analytics family on ``graph`` without changing it.

    Parameters
    ----------
    graph : nx.DiGraph
        A graph of :func:`kg.graph.build_graph` (earlier ``CO_OCCURS`` / ``SIMILAR_TO`` edges
        are ignored, so an annotated graph gives the same result).
    include_broad : bool, optional
        Also analyse concepts flagged ``broad``.
    similar_top_k : int, optional
        Similar papers kept per paper.
    seed : int, optional
        Seed of Louvain and of betweenness sampling.
    """
    cooc = cooccurrence_graph(graph, include_broad)
    pagerank = concept_pagerank(cooc)
    betweenness = concept_betweenness(cooc, seed=seed)
    communities = concept_communities(cooc, seed=seed)
    paper_counts = {
        c: len(concept_papers(graph, c)) for c in analysed_concepts(graph, include_broad=True)
    }
    return Analysis(
        include_broad=include_broad,
        cooc=cooc,
        degree=concept_degree(cooc),
        pagerank=pagerank,
        betweenness=betweenness,
        communities=communities,
        community_labels=label_communities(graph, communities, pagerank),
        bridges=bridge_concepts(cooc, communities, betweenness),
        paper_counts=paper_counts,
        neighbours=similar_papers_all(graph, similar_top_k, include_broad),
        trends=concept_trends(graph, include_broad),
        code=code_availability(graph, include_broad),
        citations=summarise(graph),
    )


def apply(graph: nx.DiGraph, analysis: Analysis) -> None:
    """Write ``analysis`` onto ``graph`` in place (see :func:`annotate`)."""
    remove_derived_edges(graph)
    membership = analysis.membership
    for node, data in graph.nodes(data=True):
        if not data.get("concept"):
            continue
        if node in analysis.paper_counts:
            data["paper_count"] = analysis.paper_counts[node]
        if node in analysis.cooc:
            data["pagerank"] = round(float(analysis.pagerank[node]), 8)
            data["betweenness"] = round(float(analysis.betweenness[node]), 8)
            data["community"] = int(membership[node])
            data["degree"] = int(analysis.degree[node])
        else:
            # left out of this run (a broad concept): stale figures would mislead
            for key in CONCEPT_METRICS:
                data.pop(key, None)
    add_cooccurrence_edges(graph, analysis.cooc)
    add_similarity_edges(graph, analysis.neighbours)


def annotate(graph: nx.DiGraph, include_broad: bool = False, similar_top_k: int = 5) -> None:
    """Add DESIGN.md's derived analytics to ``graph`` in place.

    Sets concept attributes ``pagerank``, ``betweenness``, ``community`` (int), ``degree``
    (distinct co-occurring concepts) and ``paper_count``; adds ``CO_OCCURS {weight}`` edges
    concept -> concept and ``SIMILAR_TO {score}`` edges paper -> paper (``similar_top_k`` per
    paper), both once per pair with the lower key first. Broad concepts are left out unless
    ``include_broad``. Calling it twice gives the same graph.

    Examples
    --------
    >>> from kg.records import Concept, ConceptIndex, ConceptLink, Paper
    >>> from kg.graph import build_graph
    >>> index = ConceptIndex(
    ...     {c: Concept(c, c.split(":")[0], c.split(":")[1]) for c in ("method:a", "task:b")},
    ...     [ConceptLink("p1", "method:a", "USES"), ConceptLink("p1", "task:b", "ADDRESSES")],
    ... )
    >>> g = build_graph([Paper("T", id="p1")], index)
    >>> annotate(g)
    >>> g.edges["method:a", "task:b"]
    {'type': 'CO_OCCURS', 'weight': 1}
    """
    apply(graph, analyse(graph, include_broad, similar_top_k))


# re-exported for callers that need the relation set (views, report)
CONCEPT_RELATION_TYPES = CONCEPT_RELATIONS
