"""Positions of a view's nodes, computed in Python so that vis.js physics can stay off."""

from __future__ import annotations

import math
from collections.abc import Iterable

import networkx as nx
import numpy as np


def force_layout(
    g: nx.Graph, iterations: int = 100, seed: int = 7, gravity: float = 0.02, spread: float = 1.0
) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold force-directed positions in the unit square, vectorised with numpy.

    Nodes repel as k^2/d and linked nodes attract as w d^2/k (Fruchterman & Reingold 1991,
    "Graph drawing by force-directed placement"); a temperature that cools linearly bounds each
    step. A weak pull to the centre keeps small disconnected pieces near the main graph.
    networkx's ``spring_layout`` switches to a per-node Python loop above 500 nodes, which
    takes ~10 s on the corpus view; this dense version takes ~1 s for 800 nodes and O(n^2)
    memory, fine for the few thousand nodes a view draws.
    """
    # sorted, not graph order: a subgraph view iterates the node set it was given, whose order
    # follows the per-process string hash, and the random start positions go by this order
    nodes = sorted(g)
    n = len(nodes)
    weights = nx.to_numpy_array(g, nodelist=nodes, weight="weight", dtype=np.float32)
    rng = np.random.default_rng(seed)
    x = rng.random(n, dtype=np.float32) - 0.5
    y = rng.random(n, dtype=np.float32) - 0.5
    k = np.float32(spread / math.sqrt(n))
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        dx = x[:, None] - x[None, :]
        dy = y[:, None] - y[None, :]
        d2 = np.maximum(dx * dx + dy * dy, 1e-4)
        force = k * k / d2 - weights * (np.sqrt(d2) / k)
        fx = (dx * force).sum(axis=1) - gravity * x
        fy = (dy * force).sum(axis=1) - gravity * y
        step = temperature / np.maximum(np.sqrt(fx * fx + fy * fy), 0.01)
        x += fx * step
        y += fy * step
        temperature -= cooling
    return {node: (float(a), float(b)) for node, a, b in zip(nodes, x, y)}


def layout(
    nodes: Iterable[str], edges: Iterable[tuple[str, str, float]], seed: int = 7, spread: float = 1.0
) -> dict[str, tuple[float, float]]:
    """Pixel positions for a view.

    Each connected component is laid out on its own (:func:`force_layout`), sized by its node
    count, and the components are packed in rows, largest first. Laid out together, isolated
    papers fly to a far ring and squash the main component into a ball.
    """
    g = nx.Graph()
    g.add_nodes_from(sorted(nodes))
    edges = sorted(edges)
    heaviest = max((w for _, _, w in edges), default=1.0) or 1.0
    # relative weights in (0, 1]: raw counts of shared papers would pull hubs into one blob
    g.add_weighted_edges_from((a, b, 0.2 + 0.8 * w / heaviest) for a, b, w in edges)
    if g.number_of_nodes() == 0:
        return {}
    boxes = []
    for component in sorted(nx.connected_components(g), key=lambda c: (-len(c), min(c))):
        n = len(component)
        if n == 1:
            boxes.append(({next(iter(component)): (0.0, 0.0)}, 0.0, 0.0))
            continue
        pos = force_layout(g.subgraph(component), seed=seed, spread=spread)
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
        # about 110 px per node along each side of a square
        side = max(110.0 * math.sqrt(n), 220.0)
        scaled = {k: ((x - min(xs)) * side / span, (y - min(ys)) * side / span) for k, (x, y) in pos.items()}
        boxes.append((scaled, (max(xs) - min(xs)) * side / span, (max(ys) - min(ys)) * side / span))
    gap = 70.0
    total_area = sum((w + gap) * (h + gap) for _, w, h in boxes)
    row_limit = max(boxes[0][1], math.sqrt(total_area) * 1.3)
    out: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for pos, w, h in boxes:
        if x > 0 and x + w > row_limit:
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        for node, (px, py) in pos.items():
            out[node] = (px + x, py + y)
        x += w + gap
        row_height = max(row_height, h)
    return out
