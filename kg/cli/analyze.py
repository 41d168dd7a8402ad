"""``kg analyze`` (networkx analytics + report) and ``kg viz`` (interactive HTML views)."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kg.cli import main, not_blank
from kg.cli.build import exits_cleanly_when_interrupted, output_generation
from kg.cli.neo4j import optional_push_options, push_if_asked, push_target
from kg.cli.paths import BUILD_OUTPUTS, OutputDir, OutputFile, refuse_to_overwrite, unwritable_reason, write_failure
from kg.escape import terminal
from kg.schema import PAPER

if TYPE_CHECKING:
    import networkx as nx

    from kg.analytics import Analysis

ANALYZE_EPILOG = """
\b
Examples:
  kg build ../shared/corpus/hf-papers --out hf   # first build the graph
  kg analyze --out hf                            # report in hf/report/, analytics into hf/graph.json
  kg analyze --out hf --include-broad            # keep "deep learning", "LLMs" ... in the rankings
  kg analyze --out hf --neo4j bolt://127.0.0.1:7687   # also write pagerank etc. back to Neo4j
  kg analyze --out hf --neo4j                    # ... to KG_NEO4J_URI (KG_NEO4J_PASSWORD)

\b
Neo4j is written to only with --neo4j; KG_NEO4J_URI alone does not make analyze push.
"""

VIZ_EPILOG = """
\b
Examples:
  kg viz --out hf                                # overview: top concepts coloured by community
  kg viz overview --top 120 --colour-by type --out hf
  kg viz bipartite --type dataset --out hf       # papers and the datasets they evaluate on
  kg viz --concept JEPA --depth 2 --out hf       # one concept, its papers and their concepts
  kg viz --paper T-JEPA --out hf                 # a paper (id, arXiv id or title fragment; see kg papers)
  kg viz --community 3 --out hf                  # one community of concepts
  kg viz corpus --out hf -o everything.html      # the whole corpus (as graph.html)
  kg viz leaderboard --out hf                    # every dataset x metric table of reported results

\b
Each view is one self-contained HTML file (works offline): hover for details,
click a node to pin them and highlight its neighbours, search from the header.
"""

out_option = click.option(
    "--out",
    "out_dir",
    type=OutputDir(),
    default=Path("kg-out"),
    show_default=True,
    help="Directory written by `kg build` (holds graph.json).",
)
broad_option = click.option(
    "--include-broad",
    is_flag=True,
    help="Keep broad concepts (deep learning, LLMs, fine-tuning ...) in the analytics and views.",
)


def load_graph(out_dir: Path) -> nx.DiGraph:
    """Read ``out_dir/graph.json`` or fail with one sentence naming the file (and line)."""
    from kg.sinks.files import CorruptFileError, read_graph_json
    from kg.sinks.outputs import current

    path = out_dir / "graph.json"
    if not current(path).exists():  # current(): also a killed run's committed graph
        raise click.ClickException(
            f"No graph at {path}: run `kg build INPUT --out {out_dir}` first."
        )
    try:
        graph = read_graph_json(path)
    except CorruptFileError as err:
        raise click.ClickException(f"{err} Rebuild it with `kg build`.") from None
    if not any(d.get("label") == PAPER for _, d in graph.nodes(data=True)):
        raise click.ClickException(f"{path} has no paper nodes; was it written by `kg build`?")
    return graph


def graph_stamp(out_dir: Path) -> tuple[int, int, int] | None:
    """What changes when a run switches in a new ``graph.json``: its inode, time and size."""
    from kg.sinks.outputs import current

    try:
        stat = current(out_dir / "graph.json").stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def run_analysis(graph: nx.DiGraph, include_broad: bool, similar_top_k: int = 5) -> Analysis:
    from kg.analytics import analyse

    return analyse(graph, include_broad=include_broad, similar_top_k=similar_top_k)


@main.command(epilog=ANALYZE_EPILOG)
@out_option
@broad_option
@click.option("--top", type=click.IntRange(1, 100), default=5, show_default=True,
              help="Rows per section in the terminal headline (the report lists 10).")
@click.option("--similar", "similar_top_k", type=click.IntRange(1, 50), default=5, show_default=True,
              help="SIMILAR_TO edges kept per paper.")
@click.option("--no-write-back", is_flag=True,
              help="Only write the report; leave graph.json / graph.graphml as they are.")
@optional_push_options
@exits_cleanly_when_interrupted
def analyze(
    out_dir: Path,
    include_broad: bool,
    top: int,
    similar_top_k: int,
    no_write_back: bool,
    neo4j_uri: str | None,
    neo4j_user: str,
    database: str | None,
    batch_size: int,
) -> None:
    """Run graph analytics on a built graph and write a report.

    Computes concept PageRank, betweenness and degree on the co-occurrence graph, Louvain
    communities (labelled by their top concepts), bridge concepts, rising and falling concepts
    by year, the most similar papers and papers with code against without. Writes
    OUT/report/report.md with PNG charts, stores the results in OUT/graph.json and
    graph.graphml (CO_OCCURS and SIMILAR_TO edges, pagerank / community on concepts) and
    prints the headline.
    """
    from kg.analytics import apply
    from kg.sinks import files
    from kg.sinks.report import headline, write_report

    target = push_target(neo4j_uri, neo4j_user, database, batch_size)
    stamp = graph_stamp(out_dir)
    graph = load_graph(out_dir)  # before the lock: a missing or broken graph fails at once
    try:
        # report/ and the write-back switch in together (kg.sinks.outputs), as kg build's outputs
        with output_generation(out_dir) as generation:
            if graph_stamp(out_dir) != stamp:
                # a build switched in a new graph while this run waited for the lock: analysing
                # the old one would write its figures over the new build
                graph = load_graph(out_dir)
            analysis = run_analysis(graph, include_broad, similar_top_k)
            report = write_report(graph, analysis, generation.path / "report")
            if not no_write_back:
                apply(graph, analysis)
                files.write_graph_json(graph, generation.path / "graph.json")
                files.write_graphml(graph, generation.path / "graph.graphml")
        report = out_dir / "report" / report.name
    except OSError as err:
        raise write_failure(out_dir, err) from None
    for line in headline(graph, analysis, top):
        click.echo(line)
    click.echo("")
    click.echo(f"report: {terminal(report)}")
    if not no_write_back:
        click.echo(f"analytics stored in {terminal(out_dir / 'graph.json')} and {terminal(out_dir / 'graph.graphml')}")
    if target is not None:
        if no_write_back:
            apply(graph, analysis)
        push_if_asked(graph, target, include_broad)
        click.echo(f"analytics pushed to {target.uri}")


VIEWS = ("overview", "bipartite", "concept", "paper", "community", "corpus", "leaderboard")


def _readable_slug(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


def _slug(key: str, graph: nx.DiGraph) -> str:
    """A file name for a view centred on the node ``key``: readable ASCII, and a digest of the
    key when that had to drop or cut characters, or when another node of ``graph`` reads the
    same ("Zorblax-3.1" and "Zorblax-3_1"), so that two nodes never share a file."""
    slug = _readable_slug(key)
    if (len(slug) > 60 or re.search(r"[^a-z0-9:. _/-]", key.lower())
            or any(node != key and _readable_slug(node) == slug for node in graph)):
        slug = f"{slug[:50].strip('-')}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}".lstrip("-")
    return slug


#: the views each option shapes; given to another view, it would be ignored without a word
_VIEW_OPTIONS = {
    "top": ("overview", "bipartite", "community", "corpus"),
    "colour_by": ("overview",),
    "concept_type": ("bipartite",),
    "depth": ("concept",),
}


def _refuse_options_the_view_ignores(view: str) -> None:
    from click.core import ParameterSource

    ctx = click.get_current_context()
    for name, views_taking in _VIEW_OPTIONS.items():
        if view not in views_taking and ctx.get_parameter_source(name) in (
                ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
            option = next(p for p in ctx.command.params if p.name == name)
            raise click.UsageError(
                f"{max(option.opts, key=len)} does not go with the {view} view (it shapes the "
                f"{' and '.join(', '.join(views_taking).rsplit(', ', 1))} view{'s' if len(views_taking) > 1 else ''}).")


@main.command(epilog=VIZ_EPILOG)
@click.argument("view", required=False, type=click.Choice(VIEWS, case_sensitive=False))
@out_option
@click.option("--concept", metavar="NAME", default=None, callback=not_blank, help="Ego view of a concept (id, name or alias).")
@click.option("--depth", type=click.IntRange(1, 2), default=2, show_default=True,
              help="Concept view: 1 = its papers, 2 = also the concepts those papers use.")
@click.option("--paper", "paper_id", metavar="PAPER", default=None, callback=not_blank,
              help="A paper (id, arXiv id or unique title fragment; `kg papers` lists them) and its nearest papers.")
@click.option("--community", type=click.IntRange(0), default=None, metavar="K", help="One community of concepts (ids from `kg analyze`).")
@click.option("--top", type=click.IntRange(5, 2000), default=None,
              help="Concepts drawn (overview: 80, bipartite: 40, community: 60, corpus: 60).")
@click.option("--colour-by", "--color-by", "colour_by", type=click.Choice(["community", "type"]), default="community",
              show_default=True, help="Overview: colour concepts by community or by type.")
@click.option("--type", "concept_type", type=click.Choice(["method", "dataset", "metric", "task"]), default=None,
              help="Bipartite view: only concepts of this type.")
@broad_option
@click.option("--output", "-o", type=OutputFile(), default=None,
              help="HTML file to write (default: OUT/views/<view>.html).")
def viz(
    view: str | None,
    out_dir: Path,
    concept: str | None,
    depth: int,
    paper_id: str | None,
    community: int | None,
    top: int | None,
    colour_by: str,
    concept_type: str | None,
    include_broad: bool,
    output: Path | None,
) -> None:
    """Write an interactive HTML view of a built graph.

    VIEW is overview (default), bipartite, concept, paper, community, corpus or leaderboard
    (a page of tables, not a network: the results papers report, as `kg results` prints
    them); --concept, --paper and --community pick their view by themselves.
    """
    from kg import views
    from kg.analytics._views import concepts_named, several_concepts_note
    from kg.sinks.outputs import list_as_written

    chosen = [name for name, value in (("concept", concept), ("paper", paper_id), ("community", community)) if value is not None]
    if len(chosen) > 1:
        raise click.UsageError("Give only one of --concept, --paper, --community.")
    if view is None:
        view = chosen[0] if chosen else "overview"
    view = view.lower()
    if chosen and chosen[0] != view:
        raise click.UsageError(f"--{chosen[0]} does not go with the {view} view.")
    _refuse_options_the_view_ignores(view)
    if output is not None:
        refuse_to_overwrite(output, [out_dir / name for name in (*BUILD_OUTPUTS, "report")],
                            "the build's output")
    stamp = graph_stamp(out_dir)
    graph = load_graph(out_dir)
    if view == "leaderboard":
        with writing_a_view(out_dir, stamp, output):
            write_leaderboard(graph, output or out_dir / "views" / "leaderboard.html", listed=output is None)
        return
    from kg.analytics import STORED_SETTINGS, stored_analysis

    # the figures kg build / kg analyze stored are what analyse() would give: minutes saved on a
    # 100k-paper build
    analysis = stored_analysis(graph, include_broad) or run_analysis(graph, include_broad)
    stored_broad = (graph.graph.get(STORED_SETTINGS) or {}).get("include_broad")
    if community is not None and stored_broad is not None and stored_broad != include_broad:
        # communities are numbered anew without (or with) broad concepts: K is not kg analyze's K
        click.echo(f"note: kg analyze numbered the communities {'with' if stored_broad else 'without'} broad "
                   f"concepts; give {'--include-broad' if stored_broad else 'no --include-broad'} for its "
                   f"community {community}", err=True)
    try:
        if view == "overview":
            page = views.overview_view(graph, analysis, top=top or 80, colour_by=colour_by)
            name = f"overview-{colour_by}"
        elif view == "bipartite":
            page = views.bipartite_view(graph, analysis, top_concepts=top or 40, concept_type=concept_type)
            name = f"bipartite-{concept_type}" if concept_type else "bipartite"
        elif view == "concept":
            if not concept:
                raise click.UsageError("The concept view needs --concept NAME.")
            page = views.concept_view(graph, analysis, concept, depth=depth)
            note = several_concepts_note(graph, concept, concepts_named(graph, concept),
                                         f"Drawing {graph.nodes[page.centre].get('name')}, the most used")
            if note:
                click.echo(terminal(note), err=True)
            name = f"concept-{_slug(page.centre, graph)}"  # "concept-method-sparse-autoencoder", whatever name found it
        elif view == "paper":
            if not paper_id:
                raise click.UsageError("The paper view needs --paper PAPER.")
            page = views.paper_view(graph, analysis, paper_id)
            name = _slug(page.centre, graph)  # "paper-2301-08243", whichever id or title fragment found it
        elif view == "community":
            if community is None:
                raise click.UsageError("The community view needs --community K.")
            page = views.community_view(graph, analysis, community, top=top or 60)
            name = f"community-{community}"
        else:
            page = views.corpus_view(graph, max_concepts=top or 60, include_broad=include_broad)
            name = "corpus"
    except KeyError as err:
        raise click.ClickException(str(err.args[0]) if err.args else str(err)) from None
    target = output or out_dir / "views" / f"{name}.html"
    try:
        with writing_a_view(out_dir, stamp, output):
            views.write_view(page, target)
            if output is None:
                list_as_written(target)  # a rebuild knows it for kg's (kg build removes stale views)
    except OSError as err:
        # "File exists" for a file of the user's named views: say which
        why = (unwritable_reason(target) if err.errno in (errno.EEXIST, errno.ENOTDIR) else None) or err.strerror
        raise click.ClickException(f"Cannot write {target}: {why}.") from None
    click.echo(f"{terminal(page.title)}: {len(page.nodes)} nodes, {len(page.edges)} edges")
    click.echo(f"open {terminal(target)} in a browser")


@contextlib.contextmanager
def writing_a_view(out_dir: Path, stamp: tuple[int, int, int] | None, output: Path | None) -> Iterator[None]:
    """Hold the output folder while a view goes into its views/ (``output`` None), so that a
    build cannot clear the folder meanwhile, and refuse when the graph the view was drawn from
    has been replaced since it was read (a build finished): the folder's views describe its
    graph. A view written elsewhere (``-o``) needs neither."""
    from kg.sinks.outputs import locked

    if output is not None:
        yield
        return

    def waiting() -> None:
        # a line of its own: the next status line starts after it
        click.echo(f"Waiting for another kg run writing to {terminal(out_dir)} to finish ...", err=True)

    with locked(out_dir, on_wait=waiting):
        if graph_stamp(out_dir) != stamp:
            raise click.ClickException(
                f"{out_dir} was rebuilt while this view was drawn: run the command again to draw the new graph.")
        yield


def write_leaderboard(graph: nx.DiGraph, target: Path, listed: bool = False) -> None:
    """``kg viz leaderboard``: the page of leaderboards (kg.views.leaderboard); ``listed``: in
    the output folder's views/, listed as kg's (see kg.sinks.outputs.list_as_written)."""
    from kg.sinks.outputs import list_as_written
    from kg.views.leaderboard import write_leaderboard_page

    try:
        path, tables = write_leaderboard_page(graph, target)
        if listed:
            list_as_written(path)
    except OSError as err:
        raise click.ClickException(f"Cannot write {target}: {err.strerror}.") from None
    click.echo(f"Reported results: {tables} leaderboard{'s' if tables != 1 else ''} in {terminal(path)}")
