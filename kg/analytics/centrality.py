"""Concept centrality on the co-occurrence graph: degree, PageRank, betweenness."""

from __future__ import annotations

import networkx as nx

#: above this many concepts betweenness is estimated from a sample of source nodes
BETWEENNESS_EXACT_LIMIT = 500
#: most sampled sources for the estimate (Brandes & Pich 2007)
BETWEENNESS_SAMPLES = 256
#: fewest sampled sources, however large the graph
BETWEENNESS_MIN_SAMPLES = 32
#: edge visits the estimate may spend (sources x edges); beyond it fewer sources are drawn
BETWEENNESS_WORK = 20_000_000


def concept_degree(cooc: nx.Graph) -> dict[str, int]:
    """Number of distinct concepts each concept co-occurs with.

    Examples
    --------
    >>> g = nx.Graph([("a", "b"), ("a", "c")])
    >>> concept_degree(g)["a"]
    2
    """
    return {n: int(d) for n, d in cooc.degree()}


def concept_pagerank(cooc: nx.Graph, alpha: float = 0.85) -> dict[str, float]:
    """PageRank of each concept, random walks following co-occurrence ``weight``.

    A concept ranks high when it co-occurs often with concepts that themselves rank high,
    which separates hubs of a literature from concepts that are merely frequent in one niche.

    References
    ----------
    Page, Brin, Motwani, Winograd (1999), "The PageRank citation ranking".
    """
    if cooc.number_of_nodes() == 0:
        return {}
    return nx.pagerank(cooc, alpha=alpha, weight="weight")


def betweenness_samples(
    nodes: int,
    edges: int,
    exact_limit: int = BETWEENNESS_EXACT_LIMIT,
    samples: int = BETWEENNESS_SAMPLES,
    work: int = BETWEENNESS_WORK,
) -> int | None:
    """Source nodes to sample for betweenness, or None for the exact computation."""
    if nodes <= exact_limit:
        return None
    affordable = work // max(edges, 1)
    return min(nodes, samples, max(BETWEENNESS_MIN_SAMPLES, affordable))


def concept_betweenness(
    cooc: nx.Graph,
    exact_limit: int = BETWEENNESS_EXACT_LIMIT,
    samples: int = BETWEENNESS_SAMPLES,
    seed: int = 42,
    work: int = BETWEENNESS_WORK,
) -> dict[str, float]:
    """Normalised betweenness of each concept on the (unweighted) co-occurrence graph.

    Exact Brandes betweenness costs O(V E); above ``exact_limit`` concepts it is estimated
    from sampled source nodes drawn with ``seed`` (networkx's ``k`` sampling): ``samples`` of
    them, fewer when ``samples x edges`` exceeds ``work`` (but never under 32). The estimate
    keeps the ranking of the top concepts while its cost stays bounded.

    Examples
    --------
    >>> path = nx.path_graph(["a", "b", "c"])
    >>> concept_betweenness(path)["b"]
    1.0
    """
    n = cooc.number_of_nodes()
    if n == 0:
        return {}
    k = betweenness_samples(n, cooc.number_of_edges(), exact_limit, samples, work)
    return nx.betweenness_centrality(cooc, k=k, normalized=True, seed=seed)


def top_by(scores: dict[str, float], n: int = 10) -> list[tuple[str, float]]:
    """The ``n`` highest scores, ties broken by key so results are stable."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
