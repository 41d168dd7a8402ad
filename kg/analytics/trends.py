"""Concept trends over publication years: which concepts gain or lose share of the papers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import networkx as nx

from kg.analytics._views import paper_concepts
from kg.schema import PAPER


@dataclass
class Trend:
    """One concept's yearly counts and the slope of its share of each year's papers."""

    concept: str
    counts: dict[int, int] = field(default_factory=dict)
    shares: dict[int, float] = field(default_factory=dict)
    slope: float = 0.0  # change in share per year (least squares)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def papers_per_year(graph: nx.DiGraph) -> dict[int, int]:
    """Number of papers per publication year (papers without ``year`` are left out)."""
    years: Counter[int] = Counter()
    for _, data in graph.nodes(data=True):
        if data.get("label") == PAPER and _year(data.get("year")) is not None:
            years[_year(data.get("year"))] += 1
    return dict(sorted(years.items()))


def papers_per_month(graph: nx.DiGraph) -> dict[str, int]:
    """Number of papers per publication month ``YYYY-MM``, every month from the first to the
    last included (a month without papers counts 0, so a chart shows the gap)."""
    months: Counter[str] = Counter()
    for _, data in graph.nodes(data=True):
        month = data.get("month")
        if data.get("label") == PAPER and isinstance(month, str) and len(month) == 7:
            months[month] += 1
    if not months:
        return {}
    first, last = min(months), max(months)
    year, month = int(first[:4]), int(first[5:])
    out: dict[str, int] = {}
    while f"{year:04d}-{month:02d}" <= last:
        key = f"{year:04d}-{month:02d}"
        out[key] = months.get(key, 0)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def concept_months(graph: nx.DiGraph, concepts: list[str], include_broad: bool = False) -> dict[str, dict[str, int]]:
    """For each of ``concepts``, its papers per publication month (months with none left out)."""
    wanted = set(concepts)
    out: dict[str, Counter[str]] = {c: Counter() for c in concepts}
    for paper, linked in paper_concepts(graph, include_broad).items():
        month = graph.nodes[paper].get("month")
        if not isinstance(month, str):
            continue
        for c in linked:
            if c in wanted:
                out[c][month] += 1
    return {c: dict(sorted(counts.items())) for c, counts in out.items()}


def _year(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _slope(points: list[tuple[int, float]]) -> float:
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    if var == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / var


def concept_trends(
    graph: nx.DiGraph,
    include_broad: bool = False,
    min_papers: int = 3,
    min_year_papers: int = 5,
) -> list[Trend]:
    """Yearly trend of every concept with at least ``min_papers`` dated papers.

    Shares (concept papers / all papers of that year) rather than raw counts are regressed on
    the year, so a concept is not "rising" just because the corpus has more recent papers.
    Years with fewer than ``min_year_papers`` papers are too noisy and are skipped.

    Returns
    -------
    list of Trend
        Sorted by slope, most rising first; empty when fewer than two usable years exist.
    """
    per_year = {y: n for y, n in papers_per_year(graph).items() if n >= min_year_papers}
    if len(per_year) < 2:
        return []
    counts: dict[str, Counter[int]] = {}
    for paper, concepts in paper_concepts(graph, include_broad).items():
        year = _year(graph.nodes[paper].get("year"))
        if year not in per_year:
            continue
        for c in concepts:
            counts.setdefault(c, Counter())[year] += 1
    trends = []
    for concept, by_year in counts.items():
        if sum(by_year.values()) < min_papers:
            continue
        shares = {y: by_year.get(y, 0) / n for y, n in per_year.items()}
        trends.append(
            Trend(concept, dict(sorted(by_year.items())), shares, _slope(list(shares.items())))
        )
    trends.sort(key=lambda t: (-t.slope, t.concept))
    return trends


def rising_and_falling(
    trends: list[Trend], n: int = 10, min_slope: float = 0.002
) -> tuple[list[Trend], list[Trend]]:
    """The ``n`` most rising and ``n`` most falling concepts; a share that moves less than
    ``min_slope`` per year (0.2 percentage points) is flat, neither."""
    rising = [t for t in trends if t.slope >= min_slope][:n]
    falling = sorted((t for t in trends if t.slope <= -min_slope), key=lambda t: (t.slope, t.concept))[:n]
    return rising, falling
