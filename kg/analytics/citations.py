"""Citations inside the map: the ``CITES`` edges between papers of one build.

Only references to papers of the same build are edges (see :func:`kg.graph.citations`), so
every figure here is "within the map": the most cited papers of the field as the build sees it,
and co-citation, a second paper similarity that does not depend on extraction.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations

import networkx as nx

from kg.schema import CITES



def citation_pairs(graph: nx.DiGraph) -> list[tuple[str, str]]:
    """``(citing, cited)`` paper keys of every ``CITES`` edge, sorted."""
    return sorted((u, v) for u, v, t in graph.edges(data="type") if t == CITES)


def cited_counts(graph: nx.DiGraph) -> Counter[str]:
    """How often each paper is cited by other papers of the map (papers never cited are absent)."""
    return Counter(cited for _, cited in citation_pairs(graph))


def most_cited(graph: nx.DiGraph, n: int = 10) -> list[tuple[str, int]]:
    """The ``n`` papers most cited within the map, ``(paper, citations)``, most first.

    >>> g = nx.DiGraph()
    >>> g.add_edges_from([("paper:a", "paper:c"), ("paper:b", "paper:c"), ("paper:a", "paper:b")], type="CITES")
    >>> most_cited(g)
    [('paper:c', 2), ('paper:b', 1)]
    """
    return sorted(cited_counts(graph).items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def cocitations(graph: nx.DiGraph, min_count: int = 1) -> list[tuple[str, str, int, float]]:
    """Pairs of papers cited together by the same papers: ``(a, b, count, score)``, ``a < b``.

    ``count`` is the number of papers of the map citing both (Small's co-citation, 1973);
    ``score`` divides it by the geometric mean of the two papers' citation counts (Salton's
    cosine), so two papers always cited together score 1 however often they are cited.
    Sorted by score, then count, highest first.
    """
    references: dict[str, list[str]] = {}
    for citing, cited in citation_pairs(graph):
        references.setdefault(citing, []).append(cited)
    together: Counter[tuple[str, str]] = Counter()
    for cited in references.values():
        together.update(combinations(sorted(set(cited)), 2))
    counts = cited_counts(graph)
    rows = [
        (a, b, n, round(n / math.sqrt(counts[a] * counts[b]), 6))
        for (a, b), n in together.items()
        if n >= min_count
    ]
    rows.sort(key=lambda r: (-r[3], -r[2], r[0], r[1]))
    return rows


@dataclass
class CitationSummary:
    """The citation figures of one analytics run (empty when the sources gave no references)."""

    edges: int = 0
    citing_papers: int = 0
    cited_papers: int = 0
    most_cited: list[tuple[str, int]] = field(default_factory=list)
    cocited: list[tuple[str, str, int, float]] = field(default_factory=list)


def summarise(graph: nx.DiGraph, n: int = 10) -> CitationSummary:
    pairs = citation_pairs(graph)
    return CitationSummary(
        edges=len(pairs),
        citing_papers=len({a for a, _ in pairs}),
        cited_papers=len({b for _, b in pairs}),
        most_cited=most_cited(graph, n),
        cocited=cocitations(graph)[:n],
    )
