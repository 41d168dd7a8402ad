"""The knowledge graph in memory: a networkx ``DiGraph`` following DESIGN.md's schema.

Node keys are ``paper:<id>``, ``<type>:<normalised name>`` for concepts (the concept id itself),
``repo:<url>`` and ``author:<name>``. Every node has ``label`` (its Neo4j label: Paper, Method,
Dataset, Metric, Task, Repo, Author) and ``name``; concepts also carry ``concept=True``.
Every edge has ``type``, its Neo4j relationship type. The graph is data: analytics and sinks
are functions over it.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlparse

import networkx as nx

from kg.records import CONCEPT_LABELS, ConceptIndex, Paper

PAPER_PROPERTIES = ("id", "title", "abstract", "published", "year", "url", "arxiv_id", "source")


def paper_key(paper_id: str) -> str:
    return f"paper:{paper_id}"


def repo_key(url: str) -> str:
    return f"repo:{url}"


def author_key(name: str) -> str:
    return f"author:{name}"


def repo_properties(url: str) -> dict[str, str]:
    """Split a code or project URL into the ``:Repo`` properties of the schema."""
    parsed = urlparse(url)
    host = parsed.netloc.lower()
    parts = [p for p in parsed.path.split("/") if p]
    owner = parts[0] if len(parts) >= 1 else ""
    name = parts[1] if len(parts) >= 2 else (parts[0] if parts else host)
    if host.endswith(".github.io"):
        # project pages: the owner is the sub-domain, the name the first path part (if any)
        owner = host[: -len(".github.io")]
        name = parts[0] if parts else owner
    return {"url": url, "host": host, "owner": owner, "name": name}


def build_graph(
    papers: Iterable[Paper],
    concepts: ConceptIndex,
    repos: dict[str, list[str]] | None = None,
) -> nx.DiGraph:
    """Build the paper-concept graph.

    Parameters
    ----------
    papers : the papers, each becoming a ``:Paper`` node (with ``:Author`` nodes when known).
    concepts : canonical concepts and the paper -> concept links of the concepts stage.
    repos : code / project URLs per paper id, each becoming a ``:Repo`` node and ``HAS_CODE``.

    Returns
    -------
    A ``networkx.DiGraph`` whose edges all start at a paper.
    """
    graph = nx.DiGraph()
    for paper in papers:
        props = {k: getattr(paper, k) for k in PAPER_PROPERTIES}
        graph.add_node(paper_key(paper.id), label="Paper", name=paper.title, **props)
        for author in paper.authors:
            graph.add_node(author_key(author), label="Author", name=author)
            graph.add_edge(paper_key(paper.id), author_key(author), type="AUTHORED_BY")
    for concept in concepts.concepts.values():
        graph.add_node(
            concept.id,
            label=CONCEPT_LABELS[concept.type],
            concept=True,
            id=concept.id,
            type=concept.type,
            name=concept.name,
            aliases=list(concept.aliases),
            broad=concept.broad,
            paper_count=concept.paper_count,
        )
    for link in concepts.links:
        source = paper_key(link.paper_id)
        if source not in graph or link.concept_id not in graph:
            continue
        attrs = {"type": link.relation, "evidence": link.evidence, "confidence": link.confidence}
        if link.value is not None:
            attrs["value"] = link.value
        graph.add_edge(source, link.concept_id, **attrs)
    for paper_id, urls in (repos or {}).items():
        for url in urls:
            graph.add_node(repo_key(url), label="Repo", **repo_properties(url))
            graph.add_edge(paper_key(paper_id), repo_key(url), type="HAS_CODE")
    return graph


def paper_nodes(graph: nx.DiGraph) -> list[str]:
    """Keys of the ``:Paper`` nodes."""
    return [n for n, d in graph.nodes(data=True) if d.get("label") == "Paper"]
