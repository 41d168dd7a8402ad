"""Selection of what a view draws: which concepts count, how they rank, which node a user
means."""

from __future__ import annotations

import networkx as nx

from kg.analytics._views import concept_miss, concepts_named
from kg.analytics.papers import find_paper as _resolve_paper


def concept_rank(graph: nx.DiGraph, node: str) -> tuple[float, float, str]:
    data = graph.nodes[node]
    return (-float(data.get("paper_count") or 0), -float(data.get("pagerank") or 0), node)


def is_drawn_concept(graph: nx.DiGraph, node: str, include_broad: bool) -> bool:
    data = graph.nodes[node]
    return bool(data.get("concept")) and (include_broad or not data.get("broad"))


def find_concept(graph: nx.DiGraph, name: str) -> str:
    """Resolve a concept id, name or alias (any case, singular or plural) to its node key."""
    hits = concepts_named(graph, name)
    if not hits:
        raise KeyError(concept_miss(graph, name))
    if len(hits) > 1:
        # the same surface form as, say, a method and a task: prefer the most used one
        hits.sort(key=lambda n: concept_rank(graph, n))
    return hits[0]


def find_paper(graph: nx.DiGraph, paper: str) -> str:
    """Resolve a paper id, arXiv id, title or unique title fragment to its node key
    (:func:`kg.analytics.papers.find_paper`, which every command uses)."""
    return _resolve_paper(graph, paper)
