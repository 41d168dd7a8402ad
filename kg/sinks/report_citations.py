"""The report's citation and month sections: most cited within the map, co-cited pairs, and
papers (and the leading concepts) per publication month.

Kept beside :mod:`kg.sinks.report`, which calls these functions; the text goes through the
report's own escaping (its ``_table``), so titles stay text in every renderer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kg.sinks.charts import chart_label, plt  # the Agg backend, a config folder that can be written
import networkx as nx  # noqa: E402

from kg.analytics.trends import concept_months, papers_per_month  # noqa: E402

if TYPE_CHECKING:
    from kg.analytics import Analysis


def _name(graph: nx.DiGraph, node: str) -> str:
    data = graph.nodes[node]
    return str(data.get("title") or data.get("name") or node)


def _plain(text: str) -> str:
    """Text for a terminal: control characters (escape sequences) become spaces."""
    return "".join(" " if ord(ch) < 32 or 127 <= ord(ch) < 160 else ch for ch in text)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: months the papers-per-month chart spans at most (ten years)
MAX_CHART_MONTHS = 120


#: months the chart draws one bar each; a longer span is drawn by quarter (a bar a month over ten
#: years made a figure about 4,800 pixels wide)
MAX_MONTHLY_BARS = 36


def _periods(months: list[str]) -> list[tuple[str, list[str]]]:
    """The chart's bars: each month ("2024-05") on its own, or, over :data:`MAX_MONTHLY_BARS`
    months, the months of each quarter ("2024-Q2")."""
    if len(months) <= MAX_MONTHLY_BARS:
        return [(month, [month]) for month in months]
    quarters: dict[str, list[str]] = {}
    for month in months:
        year, number = month.split("-")
        quarters.setdefault(f"{year}-Q{(int(number) - 1) // 3 + 1}", []).append(month)
    return list(quarters.items())


def chart_months(graph: nx.DiGraph, analysis: Analysis, path: Path, n: int = 4) -> Path | None:
    """Bars: papers per month (per quarter over three years); lines: the ``n`` most shared
    concepts' papers in each. None when fewer than two of the months charted (the last ten
    years) have papers."""
    per_month = papers_per_month(graph)
    # the latest months only: one paper dated decades earlier would stretch the chart (and the
    # figure's width) over every month between
    months = list(per_month)[-MAX_CHART_MONTHS:]
    if sum(1 for m in months if per_month[m]) < 2:
        return None
    top = sorted(analysis.paper_counts, key=lambda c: (-analysis.paper_counts[c], c))
    top = [c for c in top if c in analysis.cooc][:n]
    by_concept = concept_months(graph, top, analysis.include_broad)
    periods = _periods(months)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.35 * len(periods) + 2), 4.2))
    ax.bar(range(len(periods)), [sum(per_month[m] for m in ms) for _, ms in periods], color="#c9d6e8",
           label="all papers")
    for concept in top:
        counts = by_concept.get(concept, {})
        ax.plot(range(len(periods)), [sum(counts.get(m, 0) for m in ms) for _, ms in periods], marker="o",
                label=chart_label(_name(graph, concept), 30))
    step = max(1, len(periods) // 12)
    labels = [label for label, _ in periods]
    ax.set_xticks(range(0, len(periods), step), labels[::step], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("papers")
    unit = "month" if len(periods) == len(months) else "quarter"
    ax.set_title(f"Papers per {unit}, and the most shared concepts"
                 + (f" (the last {MAX_CHART_MONTHS // 12} years)" if len(per_month) > MAX_CHART_MONTHS else ""))
    ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def month_markdown(graph: nx.DiGraph, chart: Path | None) -> list[str]:
    """The "Papers by month" section."""
    from kg.sinks.report import _table

    per_month = papers_per_month(graph)
    lines = ["## Papers by month", ""]
    if not per_month:
        return lines + ["No paper has a publication month (dates or arXiv ids); no monthly trend.", ""]
    dated = sum(per_month.values())
    lines += [f"{dated} papers have a publication month, from {min(per_month)} to {max(per_month)}.", ""]
    if chart is not None:
        lines += [f"![papers per month]({chart.name})", ""]
    lines += _table(["month", "papers"], [(m, c) for m, c in per_month.items() if c])
    return lines


def citation_markdown(graph: nx.DiGraph, analysis: Analysis, n: int = 10) -> list[str]:
    """The "Citations within the map" section."""
    from kg.sinks.report import _table

    summary = analysis.citations
    lines = ["## Citations within the map", ""]
    if not summary.edges:
        return lines + ["The sources gave no references between these papers (OpenAlex records do: "
                        "`kg fetch openalex`).", ""]
    lines += [f"{summary.edges} citations link {summary.citing_papers} citing papers to "
              f"{summary.cited_papers} cited papers of this map.", "", "### Most cited within the map", ""]
    lines += _table(["citations", "paper", "year"],
                    [(c, _name(graph, p), graph.nodes[p].get("year") or "") for p, c in summary.most_cited[:n]])
    lines += ["### Most co-cited pairs", "",
              "Papers that the same papers cite together (count), and that count over the geometric mean "
              "of their citations (score, 1 = always cited together): a similarity that does not depend "
              "on extracted concepts.", ""]
    lines += _table(["score", "co-cited by", "paper", "paper"],
                    [(f"{s:.2f}", k, _name(graph, a), _name(graph, b)) for a, b, k, s in summary.cocited[:n]])
    return lines


def citation_headline(graph: nx.DiGraph, analysis: Analysis, n: int = 5) -> list[str]:
    """Terminal lines: the most cited papers within the map (nothing without citations)."""
    summary = analysis.citations
    if not summary.edges:
        return []
    lines = ["", f"Most cited within the map ({summary.edges} citations between its papers):"]
    lines += [f"  {c:>4}  {_short(_plain(_name(graph, p)), 90)}" for p, c in summary.most_cited[:n]]
    return lines
