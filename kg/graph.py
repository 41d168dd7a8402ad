"""The knowledge graph in memory: a networkx ``DiGraph`` following DESIGN.md's schema.

Node keys are ``paper:<id>``, ``<type>:<normalised name>`` for concepts (the concept id itself),
``repo:<url>``, ``author:<name>`` and ``result:<paper id>:<n>`` for the n-th result a paper
reports. Every node has ``label`` (its Neo4j label: Paper, Method, Dataset, Metric, Task, Repo,
Author, Result) and ``name``; concepts also carry ``concept=True``.
Every edge has ``type``, its Neo4j relationship type. The graph is data: analytics and sinks
are functions over it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from urllib.parse import urlparse

import networkx as nx

from kg.concepts import surface_resolver
from kg.lexicon import lower_is_better
from kg.records import CONCEPT_LABELS, ConceptIndex, Paper, Result
from kg.schema import (
    AUTHOR, AUTHORED_BY, CITES, HAS_CODE, MEASURED_BY, OF, ON, PAPER, REPO, REPORTS_RESULT, RESULT,
)

PAPER_PROPERTIES = (
    "id", "title", "abstract", "published", "year", "month", "url", "arxiv_id", "doi", "openalex_id",
    "venue", "source", "author_count", "upvotes",
)


def paper_key(paper_id: str) -> str:
    return f"paper:{paper_id}"


def repo_key(url: str) -> str:
    return f"repo:{url}"


def author_key(name: str) -> str:
    return f"author:{name}"


def result_key(paper_id: str, number: int) -> str:
    return f"result:{paper_id}:{number}"


#: properties of a ``:Result`` node besides its id (DESIGN.md), and the surface forms of its
#: dataset and method as the paper writes them, kept when no concept of the build matches them
RESULT_PROPERTIES = ("metric", "value", "kind", "task", "evidence", "dataset", "method")
#: a number as a value writes it: "1,000,000" and "12,345.6" with thousands separators, else
#: "85.1" or a decimal comma ("85,1")
_FIRST_NUMBER = re.compile(r"(?P<grouped>\d{1,3}(?:,\d{3})+(?:\.\d+)?)(?![\d,])|\d+(?:[.,]\d+)?")


def result_number(value: str) -> float | None:
    """The first number of a reported value ("92.7%" -> 92.7, "+4.8" -> 4.8, "3% - 4%" -> 3.0),
    what leaderboards sort by; None when the value holds no number."""
    match = _FIRST_NUMBER.search(value)
    if not match:
        return None
    text = match.group(0).replace(",", "") if match.group("grouped") else match.group(0).replace(",", ".")
    number = float(text)
    # a value of hundreds of digits is no measurement, and infinity is not JSON
    return number if math.isfinite(number) else None


def repo_properties(url: str) -> dict[str, str]:
    """Split a code or project URL into the ``:Repo`` properties of the schema."""
    try:
        parsed = urlparse(url)
    except ValueError:  # no web address (sources and extraction keep only those): no parts
        return {"url": url, "host": "", "owner": "", "name": url}
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
    results: dict[str, list[Result]] | None = None,
) -> nx.DiGraph:
    """Build the paper-concept graph.

    Parameters
    ----------
    papers : the papers, each becoming a ``:Paper`` node (with ``:Author`` nodes when known).
    concepts : canonical concepts and the paper -> concept links of the concepts stage.
    repos : code / project URLs per paper id, each becoming a ``:Repo`` node and ``HAS_CODE``.
    results : reported results per paper id, each becoming a ``:Result`` node with
        ``REPORTS_RESULT`` from its paper and ``ON`` / ``OF`` / ``MEASURED_BY`` to the dataset,
        method and metric concepts its surface forms name (:func:`kg.concepts.surface_resolver`).

    Returns
    -------
    A ``networkx.DiGraph`` whose edges all start at a paper, except those from a ``:Result`` to
    its concepts; ``CITES`` edges link papers whose ``references`` name another paper of the
    list (see :func:`citations`).
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
        # links a source lists (Hugging Face's GitHub and project pages) join those found in the
        # text; a dict keeps their order and finds a repeat at once (a list made 80,000 links
        # take time in their square)
        known = dict.fromkeys(code.get(paper.id, ()))
        known.update(dict.fromkeys(paper.links))
        if known:
            code[paper.id] = list(known)
    for paper_id, urls in code.items():
        for url in urls:
            graph.add_node(repo_key(url), label=REPO, **repo_properties(url))
            graph.add_edge(paper_key(paper_id), repo_key(url), type=HAS_CODE)
    for citing, cited in citations(papers):
        graph.add_edge(paper_key(citing), paper_key(cited), type=CITES)
    if results:
        add_results(graph, results, concepts)
    return graph


def add_results(graph: nx.DiGraph, results: dict[str, list[Result]], concepts: ConceptIndex) -> None:
    """``:Result`` nodes for the papers of ``graph`` and their links to its concepts."""
    resolve = surface_resolver(concepts)
    for paper_id, reported in results.items():
        source = paper_key(paper_id)
        if source not in graph:
            continue
        for number, result in enumerate(reported, start=1):
            key = result_key(paper_id, number)
            props = {name: getattr(result, name) for name in RESULT_PROPERTIES}
            name = " ".join(part for part in (result.metric, result.value) if part)
            # the direction of a score is data (pipelines/lexicon/metric_direction.tsv); a gain
            # is better the larger it is, whatever its metric
            lower = result.kind == "score" and lower_is_better(result.metric)
            graph.add_node(key, label=RESULT, id=key, name=name, paper_id=paper_id,
                           number=result_number(result.value), lower_is_better=lower, **props)
            graph.add_edge(source, key, type=REPORTS_RESULT)
            for relation, concept_type, surface in (
                (ON, "dataset", result.dataset), (OF, "method", result.method), (MEASURED_BY, "metric", result.metric),
            ):
                concept_id = resolve(paper_id, concept_type, surface)
                if concept_id is not None and concept_id in graph:
                    graph.add_edge(key, concept_id, type=relation)


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
