"""``kg papers``: list and search the papers of a built graph, with the ids other commands take."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli import main, not_blank
from kg.cli.analyze import load_graph, out_option
from kg.escape import terminal

PAPERS_EPILOG = """
\b
Examples:
  kg papers --out hf                        # every paper, newest first
  kg papers JEPA --out hf                   # papers whose titles hold every word given
  kg papers --concept ImageNet --has-code --out hf
  kg viz --paper T-JEPA --out hf            # then view one: by id, arXiv id or title fragment
"""


@main.command(epilog=PAPERS_EPILOG)
@click.argument("query", nargs=-1)
@out_option
@click.option("--concept", metavar="NAME", default=None, callback=not_blank, help="Only papers linked to this concept (id, name or alias).")
@click.option("--year", type=click.IntRange(1000, 9999), default=None, help="Only papers of this year.")
@click.option("--has-code", is_flag=True, help="Only papers that link a code repository.")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True, help="At most this many rows.")
def papers(query: tuple[str, ...], out_dir: Path, concept: str | None, year: int | None, has_code: bool,
           limit: int) -> None:
    """List the papers of a built graph: id, year, title and top concepts.

    Each QUERY word must start a word of the title (case-insensitive: "pretrain" finds
    "Pretraining"); newest papers first. The id printed first is what
    `kg viz --paper` takes (so do arXiv ids and unique title fragments).
    """
    from kg.analytics.papers import list_papers

    graph = load_graph(out_dir)
    if concept is not None:
        from kg.analytics._views import concepts_named, several_concepts_note

        note = several_concepts_note(graph, concept, concepts_named(graph, concept), "Listing the papers of each")
        if note:
            click.echo(terminal(note), err=True)
    try:
        rows = list_papers(graph, " ".join(query) or None, concept=concept, year=year, has_code=has_code)
    except KeyError as err:
        raise click.ClickException(str(err.args[0])) from None
    if not rows:
        click.echo("no paper matches these filters")
        return
    for row in rows[:limit]:
        code = " [code]" if row.has_code else ""
        ids = row.id + (f" (arXiv {row.arxiv_id})" if row.arxiv_id and row.arxiv_id != row.id else "")
        click.echo(f"{terminal(ids)}  {row.year or '----'}  {terminal(row.title)}{code}")
        if row.concepts:
            click.echo(f"    {terminal(', '.join(row.concepts))}")
    if len(rows) > limit:
        click.echo(f"... {len(rows) - limit} more papers not shown (--limit {limit}); narrow the query or raise --limit")
    else:
        click.echo(f"{len(rows)} paper{'s' if len(rows) != 1 else ''}")
