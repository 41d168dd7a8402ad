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
from kg.schema import AUTHOR, AUTHORED_BY, CITES, HAS_CODE, PAPER, REPO

PAPER_PROPERTIES = (
    "id", "title", "abstract", "published", "year", "month", "url", "arxiv_id", "doi", "openalex_id",
    "venue", "source",
)


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
    A ``networkx.DiGraph`` whose edges all start at a paper; ``CITES`` edges link papers whose
    ``references`` name another paper of the list (see :func:`citations`).
    """
    papers = list(papers)
    graph = nx.DiGraph()
    for paper in papers:
        props = {k: getattr(paper, k) for k in PAPER_PROPERTIES}
        graph.add_node(paper_key(paper.id), label=PAPER, name=paper.title, **props)
        for author in paper.authors:
            graph.add_node(author_key(author), label=AUTHOR, name=author)
            graph.add_edge(paper_key(paper.id), author_key(author), type=AUTHORED_BY)
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
    code = {paper_id: list(urls) for paper_id, urls in (repos or {}).items()}
    for paper in papers:
        # links a source lists (Hugging Face's GitHub and project pages) join those found in the text
        known = code.setdefault(paper.id, [])
        known.extend(url for url in paper.links if url not in known)
    for paper_id, urls in code.items():
        for url in urls:
            graph.add_node(repo_key(url), label=REPO, **repo_properties(url))
            graph.add_edge(paper_key(paper_id), repo_key(url), type=HAS_CODE)
    for citing, cited in citations(papers):
        graph.add_edge(paper_key(citing), paper_key(cited), type=CITES)
    return graph


def work_keys(paper: Paper) -> list[str]:
    """Every identifier a reference may use for ``paper``: its id, arXiv id, DOI, OpenAlex id."""
    keys = [paper.id]
    if paper.arxiv_id:
        keys.append(f"arxiv:{paper.arxiv_id}")
    if paper.doi:
        keys.append(f"doi:{paper.doi}")
    if paper.openalex_id:
        keys.append(f"openalex:{paper.openalex_id}")
    return keys


def reference_key(reference: str) -> str | None:
    """The identifier key of one reference (an arXiv id, DOI or OpenAlex id, bare or as a
    URL), in the form of :func:`work_keys`; None when it is none of these."""
    # the sources stage owns identifier parsing; the graph only compares what it returns
    from kg.sources.base import arxiv_id_from, clean_doi, clean_openalex_id

    arxiv_id = arxiv_id_from(reference)
    if arxiv_id:
        return f"arxiv:{arxiv_id}"
    openalex_id = clean_openalex_id(reference)
    if openalex_id:
        return f"openalex:{openalex_id}"
    doi = clean_doi(reference)
    return f"doi:{doi}" if doi else None


def citations(papers: Iterable[Paper]) -> list[tuple[str, str]]:
    """``(citing id, cited id)`` for every reference between two of ``papers``, sorted.

    References to works outside the list are dropped: ``CITES`` links papers of one build.
    A paper citing itself (a preprint and its published version merged into one) is dropped.
    """
    papers = list(papers)
    by_key: dict[str, str] = {}
    for paper in papers:
        for key in work_keys(paper):
            by_key.setdefault(key, paper.id)
    pairs = set()
    for paper in papers:
        for reference in paper.references:
            key = reference_key(reference)
            cited = by_key.get(key) if key else by_key.get(reference)
            if cited and cited != paper.id:
                pairs.add((paper.id, cited))
    return sorted(pairs)


def paper_nodes(graph: nx.DiGraph) -> list[str]:
    """Keys of the ``:Paper`` nodes."""
    return [n for n, d in graph.nodes(data=True) if d.get("label") == PAPER]
