"""``kg results``: leaderboards of the results a build's papers report, per dataset and metric."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import click

from kg.cli import main, not_blank
from kg.cli.analyze import load_graph, out_option
from kg.escape import fit, terminal

RESULTS_EPILOG = """
\b
Examples:
  kg results --out hf                           # every leaderboard, largest first
  kg results --dataset ImageNet --out hf        # by concept id, name or alias, any case
  kg results --metric WER --task "speech recognition" --out hf
  kg results --method CROMA --evidence --out hf # with the sentence each result comes from
\b
Scores are sorted by their metric's direction (WER, FID, perplexity, latency, error rates,
loss ... lower is better: pipelines/lexicon/metric_direction.tsv); gains (improvements over a
baseline) are listed in tables of their own, largest first.
"""


def _cut(text: object, width: int, align: str = "<") -> str:
    return fit(terminal(text), width, align)


#: the longest evidence printed whole; a longer sentence is cut around its value
MAX_EVIDENCE_CHARS = 600


def _evidence_lines(evidence: str, value: str) -> list[str]:
    """The sentence a result was read from, wrapped to the terminal and indented under its
    row: whole when it is of a readable length, else the part around the value, so that the
    reader always sees the number being ranked."""
    text = " ".join(terminal(evidence).split())
    if len(text) > MAX_EVIDENCE_CHARS:
        at = max(0, text.find(terminal(value)))
        start = max(0, min(at - MAX_EVIDENCE_CHARS // 2, len(text) - MAX_EVIDENCE_CHARS))
        text = ("…" if start else "") + text[start : start + MAX_EVIDENCE_CHARS].strip() + (
            "…" if start + MAX_EVIDENCE_CHARS < len(text) else "")
    width = max(40, shutil.get_terminal_size().columns - 1)
    return textwrap.wrap(f"“{text}”", width=width, initial_indent=" " * 7, subsequent_indent=" " * 8,
                         break_on_hyphens=False)


@main.command(epilog=RESULTS_EPILOG)
@out_option
@click.option("--dataset", metavar="NAME", default=None, callback=not_blank, help="Only results on this dataset (id, name or alias).")
@click.option("--metric", metavar="NAME", default=None, callback=not_blank, help="Only results by this metric (id, name or alias).")
@click.option("--task", metavar="NAME", default=None, callback=not_blank,
              help="Only results for this task (the result's task, or a task its paper addresses).")
@click.option("--method", metavar="NAME", default=None, callback=not_blank, help="Only results of this method (id, name or alias).")
@click.option("--kind", type=click.Choice(["all", "score", "gain"]), default="all", show_default=True,
              help="Scores (absolute values), gains (improvements over a baseline) or both.")
@click.option("--limit", type=click.IntRange(1), default=10, show_default=True, help="Rows per leaderboard.")
@click.option("--evidence", is_flag=True, help="Print the sentence each result was read from.")
def results(out_dir: Path, dataset: str | None, metric: str | None, task: str | None, method: str | None,
            kind: str, limit: int, evidence: bool) -> None:
    """Leaderboards of the reported results: one table per dataset x metric.

    Each row is a result an abstract reports: the method credited with it, the value, the
    paper (title and id, which `kg viz --paper` takes), its year and its code link.
    """
    from kg.analytics.leaderboards import NoMatch, leaderboards, result_count

    graph = load_graph(out_dir)
    if not result_count(graph):
        raise click.ClickException(
            f"The graph in {out_dir} holds no reported results: none of its abstracts states a "
            "metric value kg reads (\"84.4% top-1 accuracy on ImageNet\"), it was built with --fast "
            "(which reads none), or before kg read results (then rebuild it)."
        )
    try:
        boards = leaderboards(graph, dataset=dataset, metric=metric, task=task, method=method)
    except NoMatch as err:
        raise click.ClickException(str(err)) from None
    boards = [b for b in boards if kind in ("all", b.kind)]
    if not boards:
        click.echo("no reported result matches these filters")
        return
    for board in boards:
        title = f"{terminal(board.dataset)} · {terminal(board.metric)}"
        kind_note = "gain" if board.kind == "gain" else "score"
        click.secho(f"{title}  ({kind_note}s; {board.direction}; {len(board.entries)} "
                    f"result{'s' if len(board.entries) != 1 else ''})", bold=True)
        click.echo(f"  {'#':>3}  {'method':22}  {'value':>10}  {'year':4}  {'paper id':12}  {'title':44}  code")
        for rank, entry in enumerate(board.entries[:limit], start=1):
            click.echo(f"  {rank if board.ranked else '-':>3}  {_cut(entry.method, 22)}  {_cut(entry.value, 10, '>')}  "
                       f"{entry.year or '----':4}  {_cut(entry.paper_id, 12)}  {_cut(entry.paper, 44)}  "
                       f"{terminal(entry.code or '-')}")
            if evidence and entry.evidence:
                click.echo("\n".join(_evidence_lines(entry.evidence, entry.value)))
        if len(board.entries) > limit:
            click.echo(f"  ... {len(board.entries) - limit} more (--limit {limit})")
        click.echo("")
    click.echo(f"{len(boards)} leaderboard{'s' if len(boards) != 1 else ''}")
