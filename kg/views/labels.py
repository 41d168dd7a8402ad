"""Room for labels: move nodes apart until no label covers another label or node.

vis-network draws a node's label centred under its shape, one line of text whose box starts
``font size / 2 + 4`` pixels below the shape (vis-network 9's "hanging" external label). So every
node with its label occupies a rectangle known in advance, given the width of its text; text
widths are estimated here (no browser at build time) generously, as ``0.6 em`` per character,
wider than the sans-serif faces browsers use, so an estimate that clears a neighbour leaves
room on screen too.

:func:`make_room` pushes overlapping rectangles apart, each pair along the axis where it
overlaps least (the usual "force-scan" style of overlap removal), a few hundred sweeps at
most; a label that still collides then is dropped, least important first, so no label ever
sits on another. The view keeps the dropped name in its tooltip and search entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

#: estimated text width per character, in ems (generous: see the module docstring)
CHAR_WIDTH_EM = 0.6
#: free space kept around every rectangle, in pixels
PADDING = 3.0
MAX_SWEEPS = 400
#: rounds of make_room (separate, then drop the labels still colliding); after the last one
#: every label still on another goes at once. Bounds the cost of a crowded view of a big build
#: (without it one 100k-paper graph.html took minutes)
MAX_ROOM_ROUNDS = 16
#: sweeps after which a drawing still crowded is spread out by EXPANSION about its centre
STUCK_SWEEPS = 40
EXPANSION = 1.08
#: the drawing area of a view in a 1400x900 window (1075x847 px once the page's side panel and
#: header are taken off) over 1.1, as vis-network's "fit" leaves a tenth of the drawing free
CANVAS = (975.0, 765.0)
#: the smallest label a view opens with, in screen pixels, with a margin for the difference
#: between the estimated and the drawn text
MIN_LABEL_PX = 10.5


def label_text(node: dict[str, Any]) -> str:
    return str(node.get("label") or "").strip()


def font_size(node: dict[str, Any]) -> float:
    return float((node.get("font") or {}).get("size") or 14)


def footprint(node: dict[str, Any]) -> tuple[float, float, float, float]:
    """``(left, top, right, bottom)`` of a node's shape and label, relative to its centre."""
    size = float(node.get("size") or 10)
    left, top, right, bottom = -size, -size, size, size
    text = label_text(node)
    if text:
        fs = font_size(node)
        half = 0.5 * CHAR_WIDTH_EM * fs * len(text)
        left, right = min(left, -half), max(right, half)
        # vis-network: label box top at size + fs/2 + 4, one line of fs
        bottom = size + 1.5 * fs + 4
    return left, top, right, bottom


def _boxes(xy: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    return np.concatenate([xy + offsets[:, :2], xy + offsets[:, 2:]], axis=1)


def _overlaps(boxes: np.ndarray, padding: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Index pairs ``i < j`` of boxes that overlap (each grown by ``padding / 2``) and their
    overlaps in x and y.

    Sweep and prune: with the boxes sorted by left edge, box ``i`` can only meet the boxes that
    start before it ends, found by binary search; so the cost follows the boxes that share an
    x range, not the square of their number.
    """
    n = len(boxes)
    grown = boxes + np.array([-padding, -padding, padding, padding]) / 2
    order = np.argsort(grown[:, 0], kind="stable")
    left, top, right, bottom = grown[order].T
    ends = np.searchsorted(left, right, side="left")
    counts = np.maximum(ends - np.arange(n) - 1, 0)
    total = int(counts.sum())
    first = np.repeat(np.arange(n), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    second = first + 1 + (np.arange(total) - starts)
    ox = np.minimum(right[first], right[second]) - left[second]
    oy = np.minimum(bottom[first], bottom[second]) - np.maximum(top[first], top[second])
    hit = (ox > 0) & (oy > 0)
    a, b = order[first[hit]], order[second[hit]]
    i, j = np.minimum(a, b), np.maximum(a, b)
    keep = np.lexsort((j, i))
    return i[keep], j[keep], ox[hit][keep], oy[hit][keep]


def make_room(nodes: Sequence[dict[str, Any]], priority: Sequence[str], padding: float = PADDING) -> list[str]:
    """Move ``nodes`` (vis.js dicts with ``x``, ``y``, ``size``, ``label``, ``font``) so that no
    two footprints overlap; returns the ids whose labels had to be dropped.

    ``priority`` lists node ids, most important first: when labels must go, the least
    important go first. Positions change in place and stay rounded to 0.1 px, so a view is
    byte-identical from run to run.
    """
    if len(nodes) < 2:
        return []
    rank = {node_id: r for r, node_id in enumerate(priority)}
    order = sorted(range(len(nodes)), key=lambda k: (rank.get(nodes[k]["id"], len(rank)), str(nodes[k]["id"])))
    xy = np.array([[float(n.get("x", 0.0)), float(n.get("y", 0.0))] for n in nodes])
    offsets = np.array([footprint(n) for n in nodes])
    dropped: list[str] = []
    position = {k: p for p, k in enumerate(order)}
    # each round with a collision left drops a label or ends the loop, so it always ends
    for room_round in range(MAX_ROOM_ROUNDS + 1):
        if room_round < MAX_ROOM_ROUNDS:
            xy = _separate(xy, offsets, padding)
        i, j, _, _ = _overlaps(_boxes(xy, offsets), padding * 0.5)
        if len(i) == 0:
            break
        # the less important node of each remaining collision loses its label
        losers = sorted({max(a, b, key=position.__getitem__) for a, b in zip(i.tolist(), j.tolist())},
                        key=position.__getitem__, reverse=True)
        labelled = [k for k in losers if label_text(nodes[k])]
        if not labelled:
            break
        for k in labelled:
            nodes[k]["label"] = " "
            offsets[k] = footprint(nodes[k])
            dropped.append(str(nodes[k]["id"]))
    for node, (x, y) in zip(nodes, xy):
        node["x"], node["y"] = round(float(x), 1), round(float(y), 1)
    return dropped


def _separate(xy: np.ndarray, offsets: np.ndarray, padding: float) -> np.ndarray:
    """Push overlapping footprints apart, pair by pair along their axis of least overlap."""
    xy = xy.copy()
    centres = (offsets[:, :2] + offsets[:, 2:]) / 2
    # overlaps compared in units of the typical footprint: footprints are wide and short, and
    # comparing pixels would push nearly every pair apart vertically into a tall drawing
    typical = np.maximum((offsets[:, 2:] - offsets[:, :2]).mean(axis=0), 1.0)
    for sweep in range(MAX_SWEEPS):
        a, b, ox, oy = _overlaps(_boxes(xy, offsets), padding)
        if len(a) == 0:
            break
        if sweep and sweep % STUCK_SWEEPS == 0:
            # a crowd pushed from all sides does not move: give everyone more room at once
            xy = (xy - xy.mean(axis=0)) * EXPANSION + xy.mean(axis=0)
            continue
        ca, cb = xy[a] + centres[a], xy[b] + centres[b]
        along_x = ox / typical[0] <= oy / typical[1]
        # direction from a to b; a tie (same centre) goes by index, so the result is reproducible
        sx = np.where(cb[:, 0] < ca[:, 0], -1.0, 1.0)
        sy = np.where(cb[:, 1] < ca[:, 1], -1.0, 1.0)
        push = np.where(along_x, ox, oy) / 2 + 0.5
        delta = np.stack([np.where(along_x, sx * push, 0.0), np.where(along_x, 0.0, sy * push)], axis=1)
        shift = np.zeros_like(xy)
        np.add.at(shift, b, delta)
        np.add.at(shift, a, -delta)
        # a node in many collisions moves by the mean of its pushes, not their sum (no explosions)
        counts = np.bincount(np.concatenate([a, b]), minlength=len(xy))
        xy += shift / np.maximum(counts, 1)[:, None]
    return xy


def bounding_box(nodes: Sequence[dict[str, Any]]) -> tuple[float, float, float, float]:
    """``(left, top, right, bottom)`` of all footprints."""
    boxes = [
        (n["x"] + l, n["y"] + t, n["x"] + r, n["y"] + b)
        for n in nodes
        for l, t, r, b in [footprint(n)]
    ]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def fit_scale(nodes: Sequence[dict[str, Any]], canvas: tuple[float, float] = CANVAS) -> float:
    """The zoom at which vis-network's "fit" will show ``nodes`` on ``canvas``."""
    left, top, right, bottom = bounding_box(nodes)
    return min(canvas[0] / max(right - left, 1.0), canvas[1] / max(bottom - top, 1.0))


def lay_out_legibly(
    nodes: list[dict[str, Any]],
    priority: Sequence[str],
    canvas: tuple[float, float] = CANVAS,
    min_px: float = MIN_LABEL_PX,
    min_labels: int = 12,
    rounds: int = 12,
) -> list[str]:
    """Scale the positions of ``nodes`` to ``canvas`` and :func:`make_room` for their labels, so
    that the page opens (vis-network fits the drawing to the window) with every label at least
    ``min_px`` pixels high and none on another. Returns the ids whose labels were dropped.

    A few densities and shapes are tried and the one the page will open at the largest zoom is
    kept. While a label would still show under ``min_px`` at that zoom, the labels of the least
    important tenth of the labelled nodes are dropped (keeping at least ``min_labels``), the
    fonts of the small labels left are raised towards what the zoom needs (by half at most),
    and the placement is tried again. Names of unlabelled nodes stay in their tooltips and in the search menu. Only
    the shape of the incoming positions is used.
    """
    if len(nodes) < 2:
        return []
    xs = np.array([float(n.get("x", 0.0)) for n in nodes])
    ys = np.array([float(n.get("y", 0.0)) for n in nodes])
    width, height = (xs.max() - xs.min()) or 1.0, (ys.max() - ys.min()) or 1.0
    # the drawing scaled to the canvas with one scale for both axes (small components keep their
    # shape), or stretched to fill it (a wide window gets a wide drawing): both are tried
    uniform = min(canvas[0] / width, canvas[1] / height)
    shapes = {
        "uniform": ((xs - xs.min()) * uniform, (ys - ys.min()) * uniform),
        "fill": ((xs - xs.min()) * canvas[0] / width, (ys - ys.min()) * canvas[1] / height),
    }
    rank = {node_id: r for r, node_id in enumerate(priority)}
    labelled = [n["id"] for n in sorted(nodes, key=lambda n: (rank.get(n["id"], len(rank)), str(n["id"]))) if label_text(n)]
    fonts = {n["id"]: font_size(n) for n in nodes}
    base_fonts = dict(fonts)

    def place(keep: int, shape: str, density: float) -> tuple[float, list[dict[str, Any]], list[str]]:
        blank = set(labelled[keep:])
        sx, sy = shapes[shape]
        trial = [
            dict(n, x=x * density, y=y * density, label=" " if n["id"] in blank else n.get("label"),
                 font={**(n.get("font") or {}), "size": fonts[n["id"]]})
            for n, x, y in zip(nodes, sx.tolist(), sy.tolist())
        ]
        dropped = make_room(trial, priority)
        return fit_scale(trial, canvas), trial, [str(i) for i in labelled[keep:]] + dropped

    def smallest_px(result: tuple[float, list[dict[str, Any]], list[str]]) -> float:
        return min((font_size(n) * result[0] for n in result[1] if label_text(n)), default=min_px)

    keep = len(labelled)
    settings = [(shape, density) for shape in ("uniform", "fill") for density in (0.5, 0.8, 1.2)]
    for _round in range(rounds):
        tries = {setting: place(keep, *setting) for setting in settings}
        setting = max(settings, key=lambda st: (round(tries[st][0], 3), -settings.index(st)))
        result = tries[setting]
        if smallest_px(result) >= min_px or keep <= min_labels and _round == rounds - 1:
            break
        settings = [setting]
        keep = max(min_labels, keep - max(1, keep // 10))
        # fonts raised towards what this zoom needs, at most by half: bigger labels take more
        # room, and past that the drawing around them (papers, edges) would shrink to specks
        for node_id in labelled[:keep]:
            fonts[node_id] = min(max(fonts[node_id], round(min_px / result[0] * 1.1, 1)), 1.5 * base_fonts[node_id])
    for node, placed in zip(nodes, result[1]):
        node.update(x=placed["x"], y=placed["y"], label=placed["label"], font=placed["font"])
    return result[2]
