"""The leaderboard page: every dataset x metric table of reported results on one HTML page.

The tables are :func:`kg.analytics.leaderboards.leaderboards`; each row links to its paper
(its page, else its arXiv abstract) and its code. The page is static HTML with a little CSS and
no script; every piece of paper text goes through :func:`~kg.views.text.esc` or
:func:`~kg.views.text.link`, so a title holding ``<script>`` shows as text.
"""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx

from kg.analytics.leaderboards import Leaderboard, leaderboards, papers_with_results
from kg.sinks.files import atomic_write
from kg.views.text import esc, link, shorten

_STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { font-size: 1.15em; margin: 1.8em 0 .4em; }
.note { color: #555; } .kind { font-weight: normal; color: #777; font-size: .9em; }
nav ul { columns: 3; padding-left: 1.2em; } nav li { break-inside: avoid; }
table { border-collapse: collapse; width: 100%; } th, td { padding: .3em .6em; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #ccc; } td { border-bottom: 1px solid #eee; }
td.value, th.value, td.rank { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
details summary { cursor: pointer; color: #555; } a { color: #1f5fa8; }
"""


def _anchor(index: int, board: Leaderboard) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", f"{board.dataset} {board.metric} {board.kind}".lower()).strip("-")[:60]
    return f"lb{index}-{slug}"


def _paper_url(graph: nx.DiGraph, paper_id: str) -> str | None:
    data = graph.nodes.get(f"paper:{paper_id}", {})
    if data.get("url"):
        return str(data["url"])
    if data.get("arxiv_id"):
        return f"https://arxiv.org/abs/{data['arxiv_id']}"
    return None


def _table(graph: nx.DiGraph, board: Leaderboard, anchor: str) -> list[str]:
    kind = "gains over a baseline" if board.kind == "gain" else "scores"
    out = [
        f'<h2 id="{esc(anchor)}">{esc(board.dataset)} · {esc(board.metric)} '
        f'<span class="kind">({esc(kind)}; {esc(board.direction)})</span></h2>',
        "<table>",
        '<tr><th class="value">#</th><th>method</th><th class="value">value</th><th>paper</th><th>year</th><th>code</th></tr>',
    ]
    for rank, entry in enumerate(board.entries, start=1):
        url = _paper_url(graph, entry.paper_id)
        title = shorten(entry.paper, 110)
        paper = link(url, title) if url else esc(title)
        evidence = (f"<details><summary>sentence</summary>{esc(entry.evidence)}</details>"
                    if entry.evidence else "")
        out.append(
            f'<tr><td class="rank">{rank if board.ranked else "-"}</td><td>{esc(entry.method)}</td><td class="value">{esc(entry.value)}</td>'
            f"<td>{paper}{evidence}</td><td>{esc(entry.year or '')}</td>"
            f"<td>{link(entry.code, shorten(entry.code, 50)) if entry.code else ''}</td></tr>"
        )
    out.append("</table>")
    return out


def render_leaderboard_page(graph: nx.DiGraph, title: str = "Reported results") -> str:
    """The HTML of the leaderboard page of ``graph``."""
    boards = leaderboards(graph)
    body = [f"<h1>{esc(title)}</h1>"]
    if not boards:
        body.append('<p class="note">No abstract of this graph reports a result kg could read.</p>')
    else:
        total = sum(len(b.entries) for b in boards)
        body.append(
            f'<p class="note">{total} results that {papers_with_results(graph)} abstracts report, in '
            f"{len(boards)} tables of one dataset (or task) and one metric. Scores are ranked by their "
            "metric's direction (lower is better for error rates, WER, FID, perplexity, latency ...); gains "
            "over a baseline have tables of their own. Values are as the abstracts state them, under "
            "each paper's own setup: read the sentence before comparing.</p>"
        )
        anchors = [_anchor(i, b) for i, b in enumerate(boards)]
        body.append("<nav><ul>")
        body += [f'<li><a href="#{esc(a)}">{esc(b.dataset)} · {esc(b.metric)}</a> '
                 f'<span class="kind">{len(b.entries)}{(" gain" if len(b.entries) == 1 else " gains") if b.kind == "gain" else ""}</span></li>'
                 for a, b in zip(anchors, boards)]
        body.append("</ul></nav>")
        for anchor, board in zip(anchors, boards):
            body += _table(graph, board, anchor)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>\n"
        + "\n".join(body) + "\n</body></html>\n"
    )


def write_leaderboard_page(graph: nx.DiGraph, path: Path | str) -> tuple[Path, int]:
    """Write the leaderboard page (atomically); returns its path and the number of tables."""
    path = Path(path)
    page = render_leaderboard_page(graph)
    with atomic_write(path) as handle:
        handle.write(page)
    return path, page.count("<table>")
