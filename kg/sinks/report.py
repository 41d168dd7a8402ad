"""The analytics report: ``report.md`` with PNG charts, and the headline ``kg analyze`` prints.

Charts are drawn with matplotlib's Agg backend (no display needed). Paper and concept text is
escaped for Markdown (:func:`kg.escape.markdown`), so a title such as ``<script>`` or
``[click](javascript:...)`` stays text wherever the report is rendered, and for the terminal
(:func:`kg.escape.terminal`) in the headline. A graph with no concepts to analyse gets a report
that says so, without charts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kg.sinks.charts import chart_label, plt  # the Agg backend, a config folder that can be written
from matplotlib.ticker import MaxNLocator  # noqa: E402
import networkx as nx  # noqa: E402

from kg.analytics.centrality import BETWEENNESS_EXACT_LIMIT, top_by  # noqa: E402
from kg.analytics.cooccurrence import strongest_cooccurrences  # noqa: E402
from kg.analytics.leaderboards import leaderboards, papers_with_results  # noqa: E402
from kg.analytics.papers import shared_concepts  # noqa: E402
from kg.analytics.similarity import most_similar_pairs  # noqa: E402
from kg.analytics.trends import papers_per_year, rising_and_falling  # noqa: E402
from kg.escape import markdown, terminal  # noqa: E402
from kg.graph import paper_nodes  # noqa: E402
from kg.schema import PAPER  # noqa: E402
from kg.sinks.files import atomic_write  # noqa: E402
from kg.sinks.report_citations import (  # noqa: E402
    chart_months,
    citation_headline,
    citation_markdown,
    month_markdown,
)
from kg.text import counted  # noqa: E402

if TYPE_CHECKING:
    from kg.analytics import Analysis

TYPE_COLOURS = {"method": "#f28e2b", "dataset": "#59a14f", "metric": "#e15759", "task": "#b07aa1"}
TYPE_ORDER = ("method", "dataset", "metric", "task")


def _name(graph: nx.DiGraph, node: str) -> str:
    data = graph.nodes[node]
    return str(data.get("name") or data.get("title") or node)


def _paper_names(graph: nx.DiGraph) -> Callable[[str], str]:
    """A node's name, with the paper's id before a title that another paper of the graph also
    has (two versions of a paper, two papers named alike), so that the two can be told apart."""
    titles = Counter(str(d.get("name") or "").casefold() for _, d in graph.nodes(data=True) if d.get("label") == PAPER)

    def name(node: str) -> str:
        data = graph.nodes[node]
        text = _name(graph, node)
        if data.get("label") == PAPER and titles[str(data.get("name") or "").casefold()] > 1:
            return f"[{data.get('id') or node}] {text}"  # first: a shortened title keeps it
        return text

    return name


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


NOTHING_TO_CHART = "no concepts to analyse, nothing to chart"


def _papers_with_a_year(graph: nx.DiGraph) -> tuple[int, int]:
    """How many papers give a year (the only ones trends see), and how many papers there are."""
    return sum(papers_per_year(graph).values()), len(paper_nodes(graph))


def _broad_left_out(graph: nx.DiGraph, analysis: Analysis) -> bool:
    return not analysis.include_broad and any(d.get("broad") for _, d in graph.nodes(data=True))


def has_concepts(analysis: Analysis) -> bool:
    """Whether the analysis found any concept (left-out broad terms do not count)."""
    return analysis.cooc.number_of_nodes() > 0


def _type(graph: nx.DiGraph, node: str) -> str:
    return str(graph.nodes[node].get("type") or "")


# --------------------------------------------------------------------------- figures of the report


def central_by_type(graph: nx.DiGraph, analysis: Analysis, n: int = 5) -> dict[str, list[tuple[str, float]]]:
    """The ``n`` concepts of highest PageRank for each concept type."""
    out: dict[str, list[tuple[str, float]]] = {}
    for ctype in TYPE_ORDER:
        scores = {c: s for c, s in analysis.pagerank.items() if _type(graph, c) == ctype}
        if scores:
            out[ctype] = top_by(scores, n)
    return out


def headline(graph: nx.DiGraph, analysis: Analysis, n: int = 5) -> list[str]:
    """Plain-text summary lines for the terminal (names cleaned of control sequences)."""

    named = _paper_names(graph)

    def name(node: str) -> str:
        return terminal(named(node))

    papers = len(paper_nodes(graph))
    if not has_concepts(analysis):
        return [f"{papers} papers, {NOTHING_TO_CHART}"
                + (" (only broad terms, which are left out; try --include-broad)" if _broad_left_out(graph, analysis)
                   else "") + "."]
    lines = [
        f"{papers} papers, {analysis.cooc.number_of_nodes()} concepts analysed"
        f" ({'broad terms included' if analysis.include_broad else 'broad terms left out'}),"
        f" {analysis.cooc.number_of_edges()} co-occurring pairs, {len(analysis.communities)} communities",
        "",
        "Most central concepts (PageRank) per type:",
    ]
    for ctype, ranked in central_by_type(graph, analysis, n).items():
        names = ", ".join(f"{name(c)} ({analysis.paper_counts.get(c, 0)})" for c, _ in ranked)
        lines.append(f"  {ctype:8s} {names}")
    lines += ["", "Largest communities:"]
    for k, members in enumerate(analysis.communities[:n]):
        if len(members) < 2:
            break
        lines.append(f"  {k:>3}  {len(members):>4} concepts  {terminal(analysis.community_labels[k])}")
    lines += ["", "Strongest co-occurrences (shared papers):"]
    for a, b, w in strongest_cooccurrences(analysis.cooc, n):
        lines.append(f"  {w:>4}  {name(a)} + {name(b)}")
    if analysis.bridges:
        lines += ["", "Bridge concepts (co-occurrences spread over communities):"]
        for row in analysis.bridges[:n]:
            c = str(row["concept"])
            lines.append(
                f"  {name(c)} (community {row['community']}, reaches "
                f"{row['communities_reached']} others, participation {float(row['participation']):.2f})"
            )
    rising, falling = rising_and_falling(analysis.trends, n)
    if rising or falling:
        dated, total = _papers_with_a_year(graph)
        seen = f", from the {dated:,} of {total:,} papers that give a year" if dated < total else ""
        lines += ["", f"Rising concepts (share of papers per year{seen}):"]
        lines += [f"  +{t.slope * 100:.1f} pts/yr  {name(t.concept)}" for t in rising]
        lines += ["Falling concepts:"]
        lines += [f"  {t.slope * 100:.1f} pts/yr  {name(t.concept)}" for t in falling]
    else:
        lines += ["", "Trends: fewer than two years with enough dated papers; no rising/falling concepts."]
    lines += citation_headline(graph, analysis, n)
    lines += ["", "Most similar paper pairs:"]
    for a, b, s in most_similar_pairs(analysis.neighbours, n):
        lines.append(f"  {s:.2f}  {_short(name(a), 60)}  <->  {_short(name(b), 60)}")
        shared = shared_concepts(graph, a, b, analysis.include_broad)
        if shared:
            lines.append(f"        sharing {_short(terminal(', '.join(shared)), 110)}")
    code = analysis.code
    lines += [
        "",
        f"Papers with code: {len(code.with_code)} of {len(code.with_code) + len(code.without_code)}"
        f" ({code.share:.0%}); without: {len(code.without_code)}",
    ]
    return lines


# --------------------------------------------------------------------------- charts


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def chart_top_concepts(graph: nx.DiGraph, analysis: Analysis, path: Path, n: int = 20) -> Path:
    """Horizontal bars: the ``n`` most central concepts, coloured by type."""
    ranked = top_by(analysis.pagerank, n)[::-1]
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(ranked) + 1.4))
    names = [chart_label(_name(graph, c), 40) for c, _ in ranked]
    colours = [TYPE_COLOURS.get(_type(graph, c), "#999999") for c, _ in ranked]
    ax.barh(names, [s for _, s in ranked], color=colours)
    for i, (c, s) in enumerate(ranked):
        ax.text(s, i, f"  {counted(analysis.paper_counts.get(c, 0), 'paper')}", va="center", fontsize=8, color="#444")
    ax.set_xlabel("PageRank on the concept co-occurrence graph")
    ax.set_title(f"The {len(ranked)} most central concepts")
    ax.set_xlim(0, max((s for _, s in ranked), default=1) * 1.25)
    handles = [plt.Rectangle((0, 0), 1, 1, color=TYPE_COLOURS[t]) for t in TYPE_ORDER]
    ax.legend(handles, TYPE_ORDER, loc="lower right", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, path)


def chart_communities(graph: nx.DiGraph, analysis: Analysis, path: Path, n: int = 12) -> Path | None:
    """Horizontal bars: community sizes, each labelled with its top concepts (None when no
    community has two concepts)."""
    rows = [(k, m) for k, m in enumerate(analysis.communities[:n]) if len(m) > 1][::-1]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(10, 0.4 * max(len(rows), 1) + 1.4))
    labels = [f"{k}: {chart_label(analysis.community_labels[k], 70)}" for k, _ in rows]
    ax.barh(labels, [len(m) for _, m in rows], color="#4e79a7")
    ax.set_xlabel("concepts in the community")
    ax.set_title("Largest concept communities (Louvain)", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, path)


def chart_cooccurrence(graph: nx.DiGraph, analysis: Analysis, path: Path, n: int = 15) -> Path | None:
    """Heatmap of shared papers among the ``n`` most central concepts, grouped by community
    (None when no two concepts share a paper)."""
    if not analysis.cooc.number_of_edges():
        return None
    ranked = [c for c, _ in top_by(analysis.pagerank, n)]
    membership = analysis.membership
    ranked.sort(key=lambda c: (membership.get(c, 0), -analysis.pagerank.get(c, 0.0)))
    matrix = [[analysis.cooc[a][b]["weight"] if analysis.cooc.has_edge(a, b) else 0 for b in ranked] for a in ranked]
    fig, ax = plt.subplots(figsize=(8.5, 7.5))
    image = ax.imshow(matrix, cmap="Blues")
    names = [chart_label(_name(graph, c), 28) for c in ranked]
    ax.set_xticks(range(len(ranked)), names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(ranked)), names, fontsize=8)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value and i != j:
                ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                        color="white" if value > max(max(r) for r in matrix) * 0.6 else "#222")
    fig.colorbar(image, ax=ax, shrink=0.7, label="papers in common")
    ax.set_title("Co-occurrence of the most central concepts")
    return _save(fig, path)


def chart_trends(graph: nx.DiGraph, analysis: Analysis, path: Path, n: int = 5) -> Path | None:
    """Lines: share of papers per year for the most rising and falling concepts."""
    rising, falling = rising_and_falling(analysis.trends, n)
    if not rising and not falling:
        return None
    per_year = papers_per_year(graph)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), sharey=True)
    for ax, group, title in ((axes[0], rising, "Rising"), (axes[1], falling, "Falling")):
        for t in group:
            years = sorted(t.shares)
            ax.plot(years, [100 * t.shares[y] for y in years], marker="o", label=chart_label(_name(graph, t.concept), 30))
        ax.set_title(f"{title} concepts")
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if group:
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, f"no {title.lower()} concepts", transform=ax.transAxes, ha="center", color="#666")
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].set_ylabel("% of that year's papers")
    dated = sum(per_year.values())
    years_note = ", ".join(f"{y}: {c}" for y, c in per_year.items() if c >= 5)
    fig.suptitle(f"Share of each year's papers using the concept ({dated} dated papers; years with 5 or more: {years_note})",
                 fontsize=9)
    return _save(fig, path)


def chart_code(graph: nx.DiGraph, analysis: Analysis, path: Path, n: int = 12) -> Path:
    """Bars: overall share of papers with code, and the concepts whose papers share code most."""
    code = analysis.code
    rates = sorted(
        ((c, w / t, t) for c, (w, t) in code.concept_rates.items() if t >= 3),
        key=lambda r: (-r[1], -r[2], r[0]),
    )[:n][::-1]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.32 * max(len(rates), 4) + 1.6),
                                      gridspec_kw={"width_ratios": [1, 3]})
    left.bar(["with code", "without"], [len(code.with_code), len(code.without_code)], color=["#59a14f", "#bab0ac"])
    left.set_title(f"Papers with code: {code.share:.0%}")
    left.spines[["top", "right"]].set_visible(False)
    if rates:
        right.barh([f"{chart_label(_name(graph, c), 36)} ({t})" for c, _, t in rates], [100 * r for _, r, _ in rates],
                   color=[TYPE_COLOURS.get(_type(graph, c), "#999") for c, _, _ in rates])
        right.axvline(100 * code.share, color="#333", linestyle="--", linewidth=1)
        right.text(100 * code.share, -0.9, " corpus average", fontsize=8)
        right.set_xlim(0, 100)
    right.set_xlabel("% of the concept's papers that link code (papers in brackets)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=TYPE_COLOURS[t]) for t in TYPE_ORDER]
    right.legend(handles, TYPE_ORDER, loc="lower right", fontsize=8)
    right.set_title("Concepts whose papers most often share code")
    right.spines[["top", "right"]].set_visible(False)
    return _save(fig, path)


# --------------------------------------------------------------------------- Markdown


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(markdown(c) for c in row) + " |" for row in rows]
    return out + [""]


def write_report(graph: nx.DiGraph, analysis: Analysis, out_dir: Path | str, n: int = 10) -> Path:
    """Write ``out_dir/report.md`` and its PNG charts; returns the Markdown path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if has_concepts(analysis):
        md = _report_markdown(graph, analysis, out_dir, n)
    else:
        papers = len(paper_nodes(graph))
        md = ["# Knowledge-graph report", "",
              f"{papers} papers; {NOTHING_TO_CHART}"
              + (" (only broad terms such as “deep learning”, which are left out; "
                 "`kg analyze --include-broad` keeps them)." if _broad_left_out(graph, analysis) else "."), ""]
    # charts of an earlier run that this one did not draw would be stale
    for name in CHARTS:
        if f"]({name}.png)" not in "\n".join(md):
            (out_dir / f"{name}.png").unlink(missing_ok=True)
    path = out_dir / "report.md"
    with atomic_write(path) as handle:
        handle.write("\n".join(md))
    return path


#: the charts of a report, each drawn into ``<name>.png``
CHARTS = ("top_concepts", "communities", "cooccurrence", "trends", "code")


def _report_markdown(graph: nx.DiGraph, analysis: Analysis, out_dir: Path, n: int) -> list[str]:
    charts = {
        "top_concepts": chart_top_concepts(graph, analysis, out_dir / "top_concepts.png"),
        "communities": chart_communities(graph, analysis, out_dir / "communities.png"),
        "cooccurrence": chart_cooccurrence(graph, analysis, out_dir / "cooccurrence.png"),
        "trends": chart_trends(graph, analysis, out_dir / "trends.png"),
        "code": chart_code(graph, analysis, out_dir / "code.png"),
    }
    papers = len(paper_nodes(graph))
    md = [
        "# Knowledge-graph report",
        "",
        f"{papers} papers; {analysis.cooc.number_of_nodes()} concepts analysed "
        f"({'broad terms included' if analysis.include_broad else 'broad terms such as “deep learning” left out'}); "
        f"{analysis.cooc.number_of_edges()} co-occurring concept pairs; {len(analysis.communities)} communities.",
        "",
        "## Most central concepts",
        "",
        "PageRank on the concept co-occurrence graph (two concepts are linked when a paper uses both, "
        "weighted by the number of such papers); betweenness is "
        + ("estimated from a sample of source concepts" if analysis.cooc.number_of_nodes() > BETWEENNESS_EXACT_LIMIT else "exact") + ".",
        "",
        "![most central concepts](top_concepts.png)",
        "",
    ]
    for ctype, ranked in central_by_type(graph, analysis, n).items():
        md += [f"### {ctype.capitalize()}s", ""]
        md += _table(
            ["concept", "papers", "PageRank", "betweenness", "community"],
            [
                (_name(graph, c), analysis.paper_counts.get(c, 0), f"{s:.4f}",
                 f"{analysis.betweenness.get(c, 0):.4f}", analysis.membership.get(c, ""))
                for c, s in ranked
            ],
        )
    md += ["## Communities", ""]
    md += ["![communities](communities.png)", ""] if charts["communities"] else ["No community of two or more concepts.", ""]
    md += _table(
        ["id", "concepts", "label (top concepts by PageRank)"],
        [(k, len(m), analysis.community_labels[k]) for k, m in enumerate(analysis.communities[:n]) if len(m) > 1],
    )
    md += ["## Strongest co-occurrences", ""]
    md += ["![co-occurrence](cooccurrence.png)", ""] if charts["cooccurrence"] else ["No two concepts share a paper.", ""]
    md += _table(
        ["concept", "concept", "shared papers"],
        [(_name(graph, a), _name(graph, b), w) for a, b, w in strongest_cooccurrences(analysis.cooc, n)],
    )
    md += ["## Bridge concepts", "",
           "Concepts whose co-occurrences spread over several communities (participation coefficient).", ""]
    md += _table(
        ["concept", "community", "communities reached", "participation"],
        [(_name(graph, str(r["concept"])), r["community"], r["communities_reached"], f"{float(r['participation']):.2f}")
         for r in analysis.bridges[:n]],
    )
    md += ["## Trends by year", ""]
    rising, falling = rising_and_falling(analysis.trends, n)
    if charts["trends"] is not None:
        dated, total = _papers_with_a_year(graph)
        if dated < total:
            md += [f"Computed from the {dated:,} of {total:,} papers that give a year.", ""]
        md += ["![trends](trends.png)", ""]
        md += _table(
            ["concept", "trend (share points per year)", "papers per year"],
            [(_name(graph, t.concept), f"{t.slope * 100:+.1f}", ", ".join(f"{y}: {c}" for y, c in t.counts.items()))
             for t in rising + falling],
        )
    else:
        md += ["Fewer than two years with at least five dated papers: no trends.", ""]
    md += month_markdown(graph, chart_months(graph, analysis, out_dir / "months.png"))
    md += citation_markdown(graph, analysis, n)
    paper_name = _paper_names(graph)
    md += ["## Most similar papers", "",
           "Cosine of idf-weighted concept sets: a shared rare concept counts more than a shared common one.", ""]
    md += _table(
        ["score", "paper", "paper", "shared concepts (rarest first)"],
        [(f"{s:.2f}", paper_name(a), paper_name(b), ", ".join(shared_concepts(graph, a, b, analysis.include_broad)))
         for a, b, s in most_similar_pairs(analysis.neighbours, n)],
    )
    code = analysis.code
    md += ["## Papers with code", "", "![code](code.png)", "",
           f"{len(code.with_code)} papers link a code repository ({code.share:.0%}); {len(code.without_code)} do not.", ""]
    md += results_markdown(graph, n)
    return md


def results_markdown(graph: nx.DiGraph, n: int = 10, rows: int = 5) -> list[str]:
    """The "Reported results" section: the ``n`` largest leaderboards of scores on a named
    dataset (``kg results`` prints them all), ``rows`` results each."""
    boards = leaderboards(graph)
    md = ["## Reported results", ""]
    if not boards:
        return md + ["No abstract reports a result kg could read (a value with its metric).", ""]
    total = sum(len(b.entries) for b in boards)
    md += [f"{total} results reported in {papers_with_results(graph)} papers' abstracts, in {len(boards)} "
           "tables of one dataset and one metric (`kg results` prints them all, `kg viz leaderboard` "
           "draws them). Scores are ranked by their metric's direction; gains over a baseline are "
           "not comparable with scores and are left to `kg results`.", ""]
    shown = [b for b in boards if b.kind == "score" and not b.dataset.startswith(("(", "task: "))][:n]
    for board in shown:
        md += [f"### {markdown(board.dataset)} · {markdown(board.metric)} ({board.direction})", ""]
        md += _table(
            ["#", "method", "value", "paper", "year"],
            [(rank if board.ranked else "-", e.method, e.value, e.paper, e.year or "")
             for rank, e in enumerate(board.entries[:rows], 1)],
        )
    return md
