"""Code availability: papers that link a repository (``HAS_CODE``) against those that do not."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import networkx as nx

from kg.analytics._views import paper_concepts, papers
from kg.schema import HAS_CODE


@dataclass
class CodeSplit:
    with_code: list[str] = field(default_factory=list)
    without_code: list[str] = field(default_factory=list)
    #: per concept: (papers with code, all papers), for concepts used by enough papers
    concept_rates: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def share(self) -> float:
        total = len(self.with_code) + len(self.without_code)
        return len(self.with_code) / total if total else 0.0


def has_code(graph: nx.DiGraph, paper: str) -> bool:
    return any(t == HAS_CODE for _, _, t in graph.out_edges(paper, data="type"))


def code_availability(
    graph: nx.DiGraph, include_broad: bool = False, min_papers: int = 3
) -> CodeSplit:
    """Split papers by whether they link code, and the code rate of each concept's papers.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_node("paper:1", label="Paper"); g.add_node("paper:2", label="Paper")
    >>> g.add_node("repo:x", label="Repo"); g.add_edge("paper:1", "repo:x", type="HAS_CODE")
    >>> code_availability(g).share
    0.5
    """
    split = CodeSplit()
    for paper in papers(graph):
        (split.with_code if has_code(graph, paper) else split.without_code).append(paper)
    coded = set(split.with_code)
    totals: Counter[str] = Counter()
    with_code: Counter[str] = Counter()
    for paper, concepts in paper_concepts(graph, include_broad).items():
        for c in concepts:
            totals[c] += 1
            with_code[c] += paper in coded
    split.concept_rates = {
        c: (with_code[c], n) for c, n in sorted(totals.items()) if n >= min_papers
    }
    return split
