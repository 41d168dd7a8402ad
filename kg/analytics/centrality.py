"""Concept centrality on the co-occurrence graph: degree, PageRank, betweenness."""

from __future__ import annotations

import networkx as nx

#: above this many concepts betweenness is estimated from a sample of source nodes
BETWEENNESS_EXACT_LIMIT = 500
#: number of sampled sources for the estimate (Brandes & Pich 2007)
BETWEENNESS_SAMPLES = 256


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


def concept_betweenness(
    cooc: nx.Graph,
    exact_limit: int = BETWEENNESS_EXACT_LIMIT,
    samples: int = BETWEENNESS_SAMPLES,
    seed: int = 42,
) -> dict[str, float]:
    """Normalised betweenness of each concept on the (unweighted) co-occurrence graph.

    Exact Brandes betweenness costs O(V E); above ``exact_limit`` concepts it is estimated
    from ``samples`` source nodes drawn with ``seed`` (networkx's ``k`` sampling), which keeps
    the ranking of the top concepts while the cost grows only with ``samples``.

    Examples
    --------
    >>> path = nx.path_graph(["a", "b", "c"])
    >>> concept_betweenness(path)["b"]
    1.0
    """
    n = cooc.number_of_nodes()
    if n == 0:
        return {}
    k = samples if n > exact_limit else None
    return nx.betweenness_centrality(cooc, k=k, normalized=True, seed=seed)


def top_by(scores: dict[str, float], n: int = 10) -> list[tuple[str, float]]:
    """The ``n`` highest scores, ties broken by key so results are stable."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
