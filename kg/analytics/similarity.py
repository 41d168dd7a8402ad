"""Paper similarity from shared concepts, rare concepts counting more than common ones."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from scipy import sparse

from kg.analytics._views import paper_concepts
from kg.schema import SIMILAR_TO

#: rows of the similarity product computed at once; bounds memory on large graphs
CHUNK_ROWS = 2000


def concept_idf(graph: nx.DiGraph, include_broad: bool = False) -> dict[str, float]:
    """Smoothed inverse document frequency of each concept over the papers that use it."""
    linked = paper_concepts(graph, include_broad)
    df: dict[str, int] = {}
    for concepts in linked.values():
        for c in concepts:
            df[c] = df.get(c, 0) + 1
    n = len(linked)
    return {c: math.log((1 + n) / (1 + d)) + 1.0 for c, d in df.items()}


def _tfidf_matrix(
    graph: nx.DiGraph, include_broad: bool
) -> tuple[list[str], sparse.csr_matrix]:
    """Papers x concepts, each row the idf weights of the paper's concepts, L2-normalised."""
    linked = paper_concepts(graph, include_broad)
    idf = concept_idf(graph, include_broad)
    paper_keys = list(linked)
    columns = {c: i for i, c in enumerate(sorted(idf))}
    rows, cols, vals = [], [], []
    for r, key in enumerate(paper_keys):
        weights = [idf[c] for c in linked[key]]
        norm = math.sqrt(sum(w * w for w in weights)) or 1.0
        for c, w in zip(linked[key], weights):
            rows.append(r)
            cols.append(columns[c])
            vals.append(w / norm)
    matrix = sparse.csr_matrix(
        (np.asarray(vals, dtype=np.float64), (rows, cols)),
        shape=(len(paper_keys), len(columns)),
    )
    return paper_keys, matrix


def similar_papers_all(
    graph: nx.DiGraph,
    top_k: int = 5,
    include_broad: bool = False,
    min_score: float = 0.0,
    min_shared: int = 2,
) -> dict[str, list[tuple[str, float]]]:
    """For every paper, its ``top_k`` most similar papers ``(paper, score)``, best first.

    The score is the cosine of idf-weighted concept vectors: sharing a concept few papers use
    ("I-JEPA") counts for more than sharing one many papers use ("ImageNet"). Pairs sharing
    fewer than ``min_shared`` concepts are left out: two papers whose only concept is
    "Transformer" have cosine 1.0 but say nothing about each other. The product is computed
    ``CHUNK_ROWS`` papers at a time, so memory stays bounded on 100,000 papers.

    Examples
    --------
    >>> from kg.records import Concept, ConceptIndex, ConceptLink, Paper
    >>> from kg.graph import build_graph
    >>> idx = ConceptIndex({c: Concept(c, "method", c) for c in ("method:a", "method:b")},
    ...     [ConceptLink(p, c, "USES") for p in ("p1", "p2") for c in ("method:a", "method:b")])
    >>> g = build_graph([Paper("One", id="p1"), Paper("Two", id="p2")], idx)
    >>> similar_papers_all(g)["paper:p1"]
    [('paper:p2', 1.0)]
    """
    keys, matrix = _tfidf_matrix(graph, include_broad)
    transposed = matrix.T.tocsc()
    binary = matrix.copy()
    binary.data[:] = 1.0
    binary_t = binary.T.tocsc()
    out: dict[str, list[tuple[str, float]]] = {}
    for start in range(0, len(keys), CHUNK_ROWS):
        block = matrix[start : start + CHUNK_ROWS] @ transposed
        if min_shared > 1:
            shared = binary[start : start + CHUNK_ROWS] @ binary_t
            block = block.multiply(shared >= min_shared)
        block = sparse.csr_matrix(block)
        block.eliminate_zeros()
        for offset in range(block.shape[0]):
            row = start + offset
            lo, hi = block.indptr[offset], block.indptr[offset + 1]
            cols = block.indices[lo:hi]
            vals = block.data[lo:hi]
            keep = (cols != row) & (vals > min_score)
            cols, vals = cols[keep], vals[keep]
            if len(vals) > top_k:
                best = np.argpartition(-vals, top_k - 1)[:top_k]
                cols, vals = cols[best], vals[best]
            ranked = sorted(
                ((keys[c], round(float(v), 6)) for c, v in zip(cols, vals)),
                key=lambda kv: (-kv[1], kv[0]),
            )
            out[keys[row]] = ranked
    return out


def similar_papers(
    graph: nx.DiGraph,
    paper: str,
    top_k: int = 5,
    include_broad: bool = False,
    min_shared: int = 2,
) -> list[tuple[str, float]]:
    """The ``top_k`` papers most similar to ``paper`` (a ``paper:<id>`` key); see
    :func:`similar_papers_all` for the score."""
    if paper not in graph:
        raise KeyError(f"no paper {paper!r} in the graph")
    keys, matrix = _tfidf_matrix(graph, include_broad)
    row = keys.index(paper)
    scores = (matrix[row] @ matrix.T).toarray().ravel()
    binary = matrix.copy()
    binary.data[:] = 1.0
    shared = (binary[row] @ binary.T).toarray().ravel()
    scores[shared < min_shared] = 0.0
    scores[row] = 0.0
    order = np.argsort(-scores, kind="stable")[:top_k]
    return [(keys[i], round(float(scores[i]), 6)) for i in order if scores[i] > 0]


def most_similar_pairs(
    neighbours: dict[str, list[tuple[str, float]]], n: int = 10
) -> list[tuple[str, str, float]]:
    """The ``n`` best distinct pairs ``(a, b, score)`` (``a < b``) from per-paper neighbours."""
    pairs = {}
    for a, ranked in neighbours.items():
        for b, score in ranked:
            pairs[tuple(sorted((a, b)))] = score
    ordered = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return [(a, b, s) for (a, b), s in ordered]


def add_similarity_edges(
    graph: nx.DiGraph, neighbours: dict[str, list[tuple[str, float]]]
) -> None:
    """``SIMILAR_TO {score}`` edges, one per pair, lower key first (the relation is symmetric).

    A ``DiGraph`` holds one edge per direction: when the pair already has a ``CITES`` edge from
    the lower key, the similarity goes the other way; when both directions cite, the citations
    say more than the score and no ``SIMILAR_TO`` edge is added.
    """
    for a, ranked in neighbours.items():
        for b, score in ranked:
            low, high = sorted((a, b))
            for source, target in ((low, high), (high, low)):
                held = graph.get_edge_data(source, target)
                if held is None or held.get("type") == SIMILAR_TO:
                    graph.add_edge(source, target, type=SIMILAR_TO, score=score)
                    break
