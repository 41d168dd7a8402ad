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
#: paper pairs the candidate concepts may make (sum of their paper counts squared), per paper
#: and at least: keeps similar_papers_all linear in papers (comparing all pairs is quadratic)
PAIRS_PER_PAPER = 1000
MIN_PAIR_BUDGET = 10_000_000


def concept_idf(graph: nx.DiGraph, include_broad: bool = False) -> dict[str, float]:
    """Smoothed inverse document frequency of each concept over the papers that use it."""
    return _idf(paper_concepts(graph, include_broad))


def _idf(linked: dict[str, list[str]]) -> dict[str, float]:
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
    keys, matrix, _, _ = _weights(graph, include_broad)
    return keys, matrix


def _weights(
    graph: nx.DiGraph, include_broad: bool
) -> tuple[list[str], sparse.csr_matrix, np.ndarray, np.ndarray]:
    """:func:`_tfidf_matrix`'s keys and matrix, with the idf of each column and the factor
    (one over the norm) of each row: entry ``(r, c)`` is ``idf[c] * row_scale[r]``."""
    linked = paper_concepts(graph, include_broad)
    idf = _idf(linked)
    paper_keys = list(linked)
    concepts = sorted(idf)
    columns = {c: i for i, c in enumerate(concepts)}
    idf_column = np.array([idf[c] for c in concepts], dtype=np.float64)
    row_scale = np.empty(len(paper_keys), dtype=np.float64)
    rows, cols, vals = [], [], []
    for r, key in enumerate(paper_keys):
        weights = [idf[c] for c in linked[key]]
        norm = math.sqrt(sum(w * w for w in weights)) or 1.0
        row_scale[r] = 1.0 / norm
        for c, w in zip(linked[key], weights):
            rows.append(r)
            cols.append(columns[c])
            vals.append(w / norm)
    matrix = sparse.csr_matrix(
        (np.asarray(vals, dtype=np.float64), (rows, cols)),
        shape=(len(paper_keys), len(columns)),
    )
    return paper_keys, matrix, idf_column, row_scale


def _binary(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """The same pattern with every weight 1: products of it count shared concepts."""
    binary = matrix.copy()
    binary.data[:] = 1.0
    return binary


def similar_papers_all(
    graph: nx.DiGraph,
    top_k: int = 5,
    include_broad: bool = False,
    min_score: float = 0.0,
    min_shared: int = 2,
    pairs_per_paper: int = PAIRS_PER_PAPER,
) -> dict[str, list[tuple[str, float]]]:
    """For every paper, its ``top_k`` most similar papers ``(paper, score)``, best first.

    The score is the cosine of idf-weighted concept vectors: sharing a concept few papers use
    ("I-JEPA") counts for more than sharing one many papers use ("ImageNet"). Pairs sharing
    fewer than ``min_shared`` concepts are left out: two papers whose only concept is
    "Transformer" have cosine 1.0 but say nothing about each other. The product is computed
    ``CHUNK_ROWS`` papers at a time, so memory stays bounded on 100,000 papers.

    Comparing every pair grows with the square of the papers when concepts are common (a
    dataset in a tenth of 100k papers alone makes 10^8 pairs), so candidates come from the
    rarest concepts that together make at most ``pairs_per_paper`` pairs per paper (and
    ``MIN_PAIR_BUDGET`` in all, so a corpus of a few thousand papers compares every pair);
    candidates are then scored exactly, over all their concepts (:func:`candidate_concepts`).
    Two papers that share only concepts of thousands of papers are not compared: their score
    would be low anyway, as such concepts weigh little. On the 10k-paper corpus of
    benchmarks/make_corpus.py, whose pairs need 18.7M, the 10M budget kept the best match of
    99.4% of papers and 99.0% of the top five.

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
    keys, matrix, idf, row_scale = _weights(graph, include_broad)
    binary = _binary(matrix)
    paper_counts = np.asarray(binary.sum(axis=0)).ravel()
    budget = max(MIN_PAIR_BUDGET, pairs_per_paper * matrix.shape[0])
    seeding = candidate_concepts(paper_counts, budget)
    if seeding.all():
        blocks = _exact_blocks(matrix, binary, min_shared)
    else:
        common = _CommonConcepts(binary[:, ~seeding].tocsr(), idf[~seeding], row_scale)
        blocks = _seeded_blocks(matrix[:, seeding].tocsr(), binary[:, seeding].tocsr(), common, min_shared)
    out: dict[str, list[tuple[str, float]]] = {}
    for start, block in blocks:
        for offset in range(block.shape[0]):
            row = start + offset
            lo, hi = block.indptr[offset], block.indptr[offset + 1]
            cols = block.indices[lo:hi]
            vals = block.data[lo:hi]
            keep = (cols != row) & (vals > min_score)
            cols, vals = cols[keep], vals[keep]
            if len(vals) > top_k:
                # chosen on the figures as written (6 decimals), so that sums that differ only
                # in their last bits tie as they print
                best = _top(np.round(vals, 6), cols, top_k)
                cols, vals = cols[best], vals[best]
            ranked = sorted(
                ((keys[c], round(float(v), 6)) for c, v in zip(cols, vals)),
                key=lambda kv: (-kv[1], kv[0]),
            )
            out[keys[row]] = ranked
    return out


def _top(vals: np.ndarray, cols: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest ``vals``, ties at the cut going to the lowest column
    (the papers' keys are in column order), so the choice never depends on the order in
    which the sparse product left the candidates."""
    kth = np.partition(vals, len(vals) - k)[len(vals) - k]
    above = np.flatnonzero(vals > kth)
    tied = np.flatnonzero(vals == kth)
    return np.concatenate([above, tied[np.argsort(cols[tied], kind="stable")][: k - len(above)]])


def candidate_concepts(paper_counts: np.ndarray, pair_budget: int) -> np.ndarray:
    """Which concepts may make two papers candidates: the rarest ones, as long as the paper
    pairs they make (the sum of their paper counts squared) stay within ``pair_budget``.

    Concepts with the same paper count are all in or all out, so the choice does not depend on
    the order of columns.
    """
    order = np.argsort(paper_counts, kind="stable")
    pairs = np.cumsum(paper_counts[order].astype(np.int64) ** 2)
    within = int(np.searchsorted(pairs, pair_budget, side="right"))
    if within == len(order):
        return np.ones(len(paper_counts), dtype=bool)
    return paper_counts < paper_counts[order[within]]


def _exact_blocks(matrix: sparse.csr_matrix, binary: sparse.csr_matrix, min_shared: int):
    """Every pair's score, ``CHUNK_ROWS`` rows at a time."""
    transposed = matrix.T.tocsc()
    binary_t = binary.T.tocsc()
    for start in range(0, matrix.shape[0], CHUNK_ROWS):
        block = matrix[start : start + CHUNK_ROWS] @ transposed
        if min_shared > 1:
            shared = binary[start : start + CHUNK_ROWS] @ binary_t
            block = block.multiply(shared >= min_shared)
        block = sparse.csr_matrix(block)
        block.eliminate_zeros()
        yield start, block


class _CommonConcepts:
    """The papers' common (non-seeding) concepts as bit masks, for the part of a candidate
    pair's score that comes from them.

    Candidate pairs run to tens of millions on 100k papers, while the common concepts are few
    (59 there, at most 11 a paper). Each paper's common concepts become bits of 64-bit words;
    two papers share the concepts set in ``mask[a] & mask[b]``, and each byte of that, looked
    up in a table of the 256 possible sums, gives its part of the shared count and of
    ``sum idf[c]^2``; that sum times the two rows' factors is their common concepts' share of
    the cosine.
    """

    def __init__(self, binary: sparse.csr_matrix, idf: np.ndarray, row_scale: np.ndarray) -> None:
        count = binary.shape[1]
        self.words = max(1, -(-count // 64))
        self.masks = np.zeros((binary.shape[0], self.words), dtype=np.uint64)
        coo = binary.tocoo()
        bits = np.left_shift(np.uint64(1), (coo.col % 64).astype(np.uint64))
        np.bitwise_or.at(self.masks, (coo.row, coo.col // 64), bits)
        self.row_scale = row_scale
        self.squared_idf = self._byte_tables(np.asarray(idf, dtype=np.float64) ** 2, count)
        self.ones = self._byte_tables(np.ones(count), count)

    def _byte_tables(self, per_concept: np.ndarray, count: int) -> np.ndarray:
        """``tables[byte, value]``: the sum of ``per_concept`` over the concepts whose bits are
        set in ``value``, the ``byte``-th byte of the masks (8 a word)."""
        padded = np.zeros(self.words * 64)
        padded[:count] = per_concept
        set_bits = (np.arange(256)[:, None] >> np.arange(8)) & 1  # value x bit
        return np.stack([set_bits @ padded[b * 8 : b * 8 + 8] for b in range(self.words * 8)])

    def shared(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For the pairs ``(a[i], b[i])``: the dot product of their common concepts' weights,
        and how many common concepts they share."""
        dots = np.zeros(len(a), dtype=np.float64)
        counts = np.zeros(len(a), dtype=np.float64)
        for word in range(self.words):
            both = self.masks[a, word] & self.masks[b, word]
            for byte in range(8):
                value = ((both >> np.uint64(8 * byte)) & np.uint64(255)).astype(np.intp)
                dots += self.squared_idf[8 * word + byte][value]
                counts += self.ones[8 * word + byte][value]
        return dots * self.row_scale[a] * self.row_scale[b], counts


def _seeded_blocks(rare: sparse.csr_matrix, rare_binary: sparse.csr_matrix, common: _CommonConcepts, min_shared: int):
    """Scores of the pairs that share a seeding (rare) concept, exact (common concepts included)."""
    rare_t, rare_binary_t = rare.T.tocsc(), rare_binary.T.tocsc()
    for start in range(0, rare.shape[0], CHUNK_ROWS):
        scores = sparse.csr_matrix(rare[start : start + CHUNK_ROWS] @ rare_t)
        shared = sparse.csr_matrix(rare_binary[start : start + CHUNK_ROWS] @ rare_binary_t)
        if not np.array_equal(scores.indices, shared.indices):
            # same pattern, so the same layout in practice; sorting (slow) makes sure
            scores.sort_indices()
            shared.sort_indices()
        # weights are positive: both products hold exactly the pairs sharing a seeding concept
        rows = np.repeat(np.arange(scores.shape[0]), np.diff(scores.indptr)) + start
        cols = scores.indices
        common_dots, common_shared = common.shared(rows, cols)
        total = scores.data + common_dots
        total[shared.data + common_shared < min_shared] = 0.0
        block = sparse.csr_matrix((total, scores.indices, scores.indptr), shape=scores.shape)
        block.eliminate_zeros()
        yield start, block


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
    binary = _binary(matrix)
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
