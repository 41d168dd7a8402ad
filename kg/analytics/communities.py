"""Communities of concepts and the bridge concepts that link them."""

from __future__ import annotations

from collections import Counter

import networkx as nx

from kg.analytics._views import display_name


def concept_communities(
    cooc: nx.Graph, resolution: float = 1.0, seed: int = 42
) -> list[set[str]]:
    """Louvain communities of the weighted co-occurrence graph, largest first.

    Isolated concepts form communities of one. Ordering (size, then smallest key) and the fixed
    ``seed`` make community ids reproducible from run to run.

    References
    ----------
    Blondel, Guillaume, Lambiotte, Lefebvre (2008), "Fast unfolding of communities in large
    networks"; networkx's ``louvain_communities``.
    """
    if cooc.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(
        cooc, weight="weight", resolution=resolution, seed=seed
    )
    return sorted((set(c) for c in found), key=lambda c: (-len(c), min(c)))


def community_map(communities: list[set[str]]) -> dict[str, int]:
    """Concept -> community id (the index in ``communities``)."""
    return {node: i for i, members in enumerate(communities) for node in members}


def label_communities(
    graph: nx.DiGraph,
    communities: list[set[str]],
    scores: dict[str, float],
    top: int = 3,
) -> list[str]:
    """A readable label per community: its ``top`` concepts by ``scores`` (e.g. PageRank)."""
    labels = []
    for members in communities:
        best = sorted(members, key=lambda n: (-scores.get(n, 0.0), n))[:top]
        labels.append(" / ".join(display_name(graph, n) for n in best))
    return labels


def participation(cooc: nx.Graph, membership: dict[str, int]) -> dict[str, float]:
    """Participation coefficient of each concept: 1 - sum over communities of the squared share
    of its co-occurrence weight that falls in that community.

    0 means all of a concept's co-occurrences stay inside one community; values near 1 mean
    they are spread evenly over many.

    References
    ----------
    Guimerà & Amaral (2005), "Functional cartography of complex metabolic networks".
    """
    out = {}
    for node in cooc:
        per_community: Counter[int] = Counter()
        for neighbour, data in cooc[node].items():
            per_community[membership[neighbour]] += data.get("weight", 1)
        total = sum(per_community.values())
        if total == 0:
            out[node] = 0.0
            continue
        out[node] = 1.0 - sum((w / total) ** 2 for w in per_community.values())
    return out


def bridge_concepts(
    cooc: nx.Graph,
    communities: list[set[str]],
    betweenness: dict[str, float] | None = None,
    n: int = 10,
    min_degree: int = 3,
) -> list[dict[str, object]]:
    """Concepts that connect communities, best first.

    A bridge has co-occurrences spread over several communities (high participation) and sits
    on many shortest paths (betweenness, when given). Concepts with fewer than ``min_degree``
    co-occurring concepts are skipped: two neighbours in two communities is chance, not a bridge.

    Returns
    -------
    list of dict
        ``concept``, ``community``, ``participation``, ``communities_reached``, ``score``.
    """
    membership = community_map(communities)
    part = participation(cooc, membership)
    rows = []
    for node in cooc:
        if cooc.degree(node) < min_degree:
            continue
        reached = {membership[m] for m in cooc[node]} - {membership[node]}
        if not reached:
            continue
        between = (betweenness or {}).get(node, 0.0)
        rows.append(
            {
                "concept": node,
                "community": membership[node],
                "participation": part[node],
                "communities_reached": len(reached),
                # betweenness is tiny in absolute terms; add it so it only breaks near-ties
                # of participation unless it is large
                "score": part[node] * (1.0 + 10.0 * between),
            }
        )
    rows.sort(key=lambda r: (-r["score"], r["concept"]))
    return rows[:n]
