"""Synthetic paper-concept graphs of any size, for analytics tests and scale benchmarks.

Papers belong to hidden topics; each topic has its own pool of concepts with Zipf-like
popularity, so the graph has the community structure, skewed concept frequencies and yearly
drift of a real literature. Everything is driven by one seed.
"""

from __future__ import annotations

import random

import networkx as nx

from kg.graph import build_graph
from kg.records import CONCEPT_TYPES, Concept, ConceptIndex, ConceptLink, Paper

RELATION = {"method": "USES", "dataset": "EVALUATES_ON", "metric": "REPORTS", "task": "ADDRESSES"}


def synthetic_graph(
    n_papers: int = 1000,
    n_topics: int = 12,
    concepts_per_topic: int = 40,
    concepts_per_paper: tuple[int, int] = (4, 10),
    n_broad: int = 4,
    years: tuple[int, int] = (2019, 2025),
    code_share: float = 0.35,
    seed: int = 7,
) -> nx.DiGraph:
    """A graph of ``n_papers`` papers built with :func:`kg.graph.build_graph`."""
    rng = random.Random(seed)
    concepts: dict[str, Concept] = {}
    pools: list[list[str]] = []
    for topic in range(n_topics):
        pool = []
        for i in range(concepts_per_topic):
            ctype = CONCEPT_TYPES[i % len(CONCEPT_TYPES)]
            cid = f"{ctype}:topic{topic} {ctype} {i}"
            concepts[cid] = Concept(cid, ctype, f"t{topic} {ctype} {i}", aliases=[f"T{topic}{ctype[0]}{i}"])
            pool.append(cid)
        pools.append(pool)
    broad = []
    for i in range(n_broad):
        cid = f"method:broad {i}"
        concepts[cid] = Concept(cid, "method", f"broad {i}", broad=True)
        broad.append(cid)
    # Zipf-like weights inside each pool: a few concepts per topic are used very often
    weights = [1.0 / (rank + 1) ** 1.1 for rank in range(concepts_per_topic)]
    first_year, last_year = years
    papers: list[Paper] = []
    links: list[ConceptLink] = []
    repos: dict[str, list[str]] = {}
    for p in range(n_papers):
        topic = rng.randrange(n_topics)
        # topics drift: even topics grow over the years, odd ones shrink
        span = last_year - first_year
        skew = rng.random() ** (0.6 if topic % 2 == 0 else 1.6)
        year = first_year + round(skew * span)
        paper = Paper(
            title=f"Synthetic paper {p} on topic {topic}",
            abstract=f"We study topic {topic}.",
            id=f"syn{p:06d}",
            year=year,
        )
        papers.append(paper)
        chosen = set()
        for _ in range(rng.randint(*concepts_per_paper)):
            # mostly the paper's own topic, sometimes a neighbouring one (bridges appear there)
            pool = pools[topic] if rng.random() < 0.85 else pools[(topic + 1) % n_topics]
            chosen.add(rng.choices(pool, weights)[0])
        if rng.random() < 0.5:
            chosen.add(rng.choice(broad))
        for cid in sorted(chosen):
            concepts[cid].paper_ids.append(paper.id)
            links.append(ConceptLink(paper.id, cid, RELATION[concepts[cid].type], evidence="e"))
        if rng.random() < code_share:
            repos[paper.id] = [f"https://github.com/syn/p{p}"]
    index = ConceptIndex({c: v for c, v in concepts.items() if v.paper_ids}, links)
    return build_graph(papers, index, repos)
