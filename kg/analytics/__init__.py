"""networkx analytics over the paper-concept graph.

Each family is a module of plain functions over a graph (networkx style):
:mod:`~kg.analytics.cooccurrence`, :mod:`~kg.analytics.centrality`,
:mod:`~kg.analytics.communities`, :mod:`~kg.analytics.similarity`,
:mod:`~kg.analytics.trends`, :mod:`~kg.analytics.code` and :mod:`~kg.analytics.citations`.
:func:`analyse` runs them all once and :func:`annotate` writes the results back onto the
graph as DESIGN.md's derived properties and relationships.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field

import networkx as nx

from kg.analytics._views import (
    CONCEPT_RELATIONS,
    STORED_SETTINGS,
    analysed_concepts,
    concept_papers,
    paper_concepts,
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
from kg.schema import CITES, CO_OCCURS, SIMILAR_TO

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
    "stored_analysis",
    "strongest_cooccurrences",
    "top_by",
]

#: node attributes that :func:`annotate` owns on concept nodes
CONCEPT_METRICS = ("pagerank", "betweenness", "community", "degree")
#: decimals of PageRank and betweenness, in an analysis and on the graph alike
STORED_DIGITS = 8


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
    similar_top_k: int = 5
    seed: int = 42

    @property
    def settings(self) -> dict[str, object]:
        """What decided these figures besides the graph (stored with them by :func:`apply`)."""
        return {"include_broad": self.include_broad, "similar_top_k": self.similar_top_k, "seed": self.seed}

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
    # rounded as apply() stores them, so that the figures read back from graph.json
    # (stored_analysis) are these, and near-equal scores tie as they print
    pagerank = _rounded(concept_pagerank(cooc))
    betweenness = _rounded(concept_betweenness(cooc, seed=seed))
    communities = concept_communities(cooc, seed=seed)
    # Louvain leaves its aggregated graphs behind as reference cycles, which only a full
    # collection frees; without one here they can outlive the similarity step, the peak
    gc.collect()
    paper_counts = {
        c: len(concept_papers(graph, c)) for c in analysed_concepts(graph, include_broad=True)
    }
    return _complete(
        graph, cooc, pagerank, betweenness, communities, paper_counts,
        similar_papers_all(graph, similar_top_k, include_broad),
        include_broad, similar_top_k, seed,
    )


def _rounded(scores: dict[str, float]) -> dict[str, float]:
    return {node: round(float(value), STORED_DIGITS) for node, value in scores.items()}


def _complete(
    graph: nx.DiGraph,
    cooc: nx.Graph,
    pagerank: dict[str, float],
    betweenness: dict[str, float],
    communities: list[set[str]],
    paper_counts: dict[str, int],
    neighbours: dict[str, list[tuple[str, float]]],
    include_broad: bool,
    similar_top_k: int,
    seed: int,
) -> Analysis:
    """An :class:`Analysis` from its costly parts; the rest is quick to derive from them."""
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
        neighbours=neighbours,
        trends=concept_trends(graph, include_broad),
        code=code_availability(graph, include_broad),
        citations=summarise(graph),
        similar_top_k=similar_top_k,
        seed=seed,
    )


def stored_analysis(
    graph: nx.DiGraph, include_broad: bool = False, similar_top_k: int = 5, seed: int = 42
) -> Analysis | None:
    """The analysis :func:`apply` stored on ``graph`` (say, a build's graph.json read back),
    equal to what :func:`analyse` would compute; None when the graph holds none made with
    these settings, or holds it incompletely (then call :func:`analyse`).

    Reading it back skips what costs: Louvain, PageRank, betweenness and similar papers took
    about three minutes of a view of a 100k-paper build, and most of its memory.
    """
    wanted = {"include_broad": include_broad, "similar_top_k": similar_top_k, "seed": seed}
    if graph.graph.get(STORED_SETTINGS) != wanted:
        return None
    concepts = analysed_concepts(graph, include_broad)
    nodes = graph.nodes
    if any(nodes[c].get(name) is None for c in concepts for name in ("pagerank", "betweenness", "community")):
        return None
    successors = graph._succ  # the graph's own dicts, as networkx's algorithms read them
    # SIMILAR_TO gives way to citations in both directions (add_similarity_edges): such a pair's
    # score is not stored, so the similar papers are computed again
    mutual_citations = any(
        data.get("type") == CITES and successors[target].get(source, {}).get("type") == CITES
        for source, target, data in graph.edges(data=True)
    )
    cooc = nx.Graph()
    cooc.add_nodes_from((c, nodes[c]) for c in concepts)
    # the pairs in the order cooccurrence_graph adds them (lower key first, rows in key order),
    # so every concept's neighbours come in the same order too
    analysed = set(concepts)
    cooc.add_weighted_edges_from(
        (c, other, data["weight"])
        for c in concepts
        for other, data in sorted(successors[c].items())
        if data.get("type") == CO_OCCURS and other in analysed
    )
    membership = [(int(nodes[c]["community"]), c) for c in concepts]
    communities: list[set[str]] = [set() for _ in range(max((k for k, _ in membership), default=-1) + 1)]
    for k, c in membership:
        communities[k].add(c)
    if not all(communities):
        return None
    if mutual_citations:
        neighbours = similar_papers_all(graph, similar_top_k, include_broad)
    else:
        neighbours = _stored_neighbours(graph, similar_top_k, include_broad)
    return _complete(
        graph, cooc,
        {c: float(nodes[c]["pagerank"]) for c in concepts},
        {c: float(nodes[c]["betweenness"]) for c in concepts},
        communities,
        {c: nodes[c]["paper_count"] for c in analysed_concepts(graph, include_broad=True) if "paper_count" in nodes[c]},
        neighbours, include_broad, similar_top_k, seed,
    )


def _stored_neighbours(
    graph: nx.DiGraph, top_k: int, include_broad: bool
) -> dict[str, list[tuple[str, float]]]:
    # every paper's own top_k are among its SIMILAR_TO edges (each paper's choices are
    # stored), and a pair another paper chose scores no higher than this paper's k-th: the
    # k best by (score, key), as similar_papers_all ranks them, are its own
    near: dict[str, list[tuple[str, float]]] = {p: [] for p in paper_concepts(graph, include_broad)}
    for source, target, data in graph.edges(data=True):
        if data.get("type") == SIMILAR_TO:
            score = float(data["score"])
            near.setdefault(source, []).append((target, score))
            near.setdefault(target, []).append((source, score))
    return {p: sorted(pairs, key=lambda kv: (-kv[1], kv[0]))[:top_k] for p, pairs in near.items()}


def apply(graph: nx.DiGraph, analysis: Analysis) -> None:
    """Write ``analysis`` onto ``graph`` in place (see :func:`annotate`)."""
    remove_derived_edges(graph)
    graph.graph[STORED_SETTINGS] = analysis.settings
    membership = analysis.membership
    for node, data in graph.nodes(data=True):
        if not data.get("concept"):
            continue
        if node in analysis.paper_counts:
            data["paper_count"] = analysis.paper_counts[node]
        if node in analysis.cooc:
            data["pagerank"] = round(float(analysis.pagerank[node]), STORED_DIGITS)
            data["betweenness"] = round(float(analysis.betweenness[node]), STORED_DIGITS)
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
    paper), both once per pair with the lower key first; records the settings in
    ``graph.graph["analytics"]`` (:func:`stored_analysis` reads it all back). Broad concepts are
    left out unless ``include_broad``. Calling it twice gives the same graph.

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
