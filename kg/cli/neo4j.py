"""``kg push`` and ``kg query``: load a built graph into Neo4j and ask it Cypher questions.

Credentials come from the environment (``KG_NEO4J_URI``, ``KG_NEO4J_USER``,
``KG_NEO4J_PASSWORD``, ``KG_NEO4J_DATABASE``) so that they stay out of shell history.
``kg build`` and ``kg analyze`` load into Neo4j only when given ``--neo4j [URI]``: a
``KG_NEO4J_URI`` set for ``kg push`` must not turn every build into a push.
"""

from __future__ import annotations

import gc
import json
import math
import logging
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
import networkx as nx

from kg.cli import main
from kg.escape import display_width, fit, json_line, terminal

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_URI = "bolt://127.0.0.1:7687"


#: the value of a bare ``--neo4j`` (no URI after it): take KG_NEO4J_URI, else the default
FROM_ENVIRONMENT = "from-environment"
#: the largest and smallest integers Neo4j stores (64-bit signed)
INT_RANGE = (-(2**63), 2**63 - 1)


def connection_options(func: F) -> F:
    """--neo4j URI, --user and --database, each with its environment variable."""
    options = [
        click.option("--neo4j", "uri", envvar="KG_NEO4J_URI", default=DEFAULT_URI, show_default=True,
                     metavar="URI", help="Bolt URI of the server (bolt://, neo4j://, +s, +ssc) [env KG_NEO4J_URI]."),
        click.option("--user", envvar="KG_NEO4J_USER", default="neo4j", show_default=True,
                     help="Neo4j user [env KG_NEO4J_USER]; the password is read from KG_NEO4J_PASSWORD."),
        click.option("--database", envvar="KG_NEO4J_DATABASE", default=None, metavar="DB",
                     help="Database name (default: the server's default) [env KG_NEO4J_DATABASE]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def neo4j_options(func: F) -> F:
    """The options of every command that loads into Neo4j: connection plus --batch-size."""
    func = click.option("--batch-size", type=click.IntRange(1, 100_000), default=1000, show_default=True,
                        help="Rows per UNWIND write transaction.")(func)
    return connection_options(func)


def optional_push_options(func: F) -> F:
    """For commands that may also load their result into Neo4j (``kg build``, ``kg analyze``):
    --neo4j [URI] (nothing is pushed without it), --neo4j-user, --database, --batch-size."""
    options = [
        click.option("--neo4j", "neo4j_uri", is_flag=False, flag_value=FROM_ENVIRONMENT, default=None,
                     metavar="[URI]",
                     help="Also load the result into Neo4j at this Bolt URI; a bare --neo4j takes "
                          f"KG_NEO4J_URI (default {DEFAULT_URI}). Pushes only with --neo4j: "
                          "KG_NEO4J_URI alone is for kg push and kg query. The password is read "
                          "from KG_NEO4J_PASSWORD."),
        click.option("--neo4j-user", envvar="KG_NEO4J_USER", default="neo4j", show_default=True,
                     help="Neo4j user [env KG_NEO4J_USER]."),
        click.option("--database", envvar="KG_NEO4J_DATABASE", default=None, metavar="DB",
                     help="Database name (default: the server's default) [env KG_NEO4J_DATABASE]."),
        click.option("--batch-size", type=click.IntRange(1, 100_000), default=1000, show_default=True,
                     help="Rows per UNWIND write transaction when loading Neo4j."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@dataclass
class PushTarget:
    """Where ``--neo4j`` asked a command to push, checked before the command does its work."""

    uri: str
    user: str
    password: str
    database: str | None
    batch_size: int


def push_target(neo4j_uri: str | None, neo4j_user: str, database: str | None, batch_size: int) -> PushTarget | None:
    """The target of the options of :func:`optional_push_options` (None without --neo4j).

    Checked up front, so that a bad URI or a missing password ends the command before a long
    build rather than after it.
    """
    if neo4j_uri is None:
        return None
    from kg.sinks import neo4j as sink

    uri = os.environ.get("KG_NEO4J_URI") or DEFAULT_URI if neo4j_uri == FROM_ENVIRONMENT else neo4j_uri
    checked_uri(uri)
    target = PushTarget(uri, neo4j_user, _password(), database, batch_size)
    # the server, the credentials and the database too: a wrong password found after an hour's
    # build would waste the hour
    quiet_driver_logs()
    try:
        with sink.connect(target.uri, target.user, target.password, target.database):
            pass
    except sink.Neo4jSinkError as err:
        raise click.ClickException(str(err)) from None
    return target


def push_if_asked(graph: nx.DiGraph, target: PushTarget | None, include_broad: bool = False) -> None:
    """Push ``graph`` to the :func:`push_target` of the command, if it has one."""
    if target is not None:
        push_graph(graph, target.uri, target.user, target.password, target.database, target.batch_size,
                   include_broad=include_broad)


def checked_uri(uri: str) -> str:
    """``uri`` if it is a Bolt URI kg can use; else one clear error (never showing a password)."""
    from kg.sinks.neo4j import Neo4jSinkError, check_uri

    try:
        check_uri(uri)
    except Neo4jSinkError as err:
        raise click.ClickException(str(err)) from None
    return uri


def quiet_driver_logs() -> None:
    """Keep the driver's own log lines (a retry warning per attempt when the server goes away)
    off the terminal: kg reports the outcome in one line."""
    logging.getLogger("neo4j").setLevel(logging.CRITICAL)


def _password() -> str:
    password = os.environ.get("KG_NEO4J_PASSWORD")
    if password:
        return password
    if sys.stdin is not None and sys.stdin.isatty():  # None when closed (cron, <&-)
        return click.prompt("Neo4j password", hide_input=True)
    raise click.ClickException(
        "No Neo4j password: set KG_NEO4J_PASSWORD (for scripts/neo4j-local, the one its --help and the README give)."
    )


def _progress(stage: str, done: int, total: int) -> None:
    # one line per stage, rewritten in place on a terminal
    if sys.stderr.isatty():
        click.echo(f"\r  {stage}: {done}/{total}", err=True, nl=done >= total)
    elif done >= total:
        click.echo(f"  {stage}: {done}", err=True)


def push_graph(
    graph: nx.DiGraph,
    uri: str,
    user: str,
    password: str | None,
    database: str | None = None,
    batch_size: int = 1000,
    replace: bool = False,
    include_broad: bool = False,
    prune: bool = False,
) -> dict[str, int]:
    """Apply the schema, optionally empty the database, load ``graph`` and print the counts.

    ``include_broad`` is passed to the analytics refresh (as ``kg build --include-broad``);
    ``prune`` deletes the stored papers that ``graph`` does not hold (``kg push --prune``).

    Returns the node and relationship counts of the database afterwards. Errors become one
    :class:`click.ClickException` naming the URI (never the password).
    """
    from kg.sinks import neo4j as sink

    quiet_driver_logs()
    try:
        driver = sink.connect(uri, user, password, database)
    except sink.Neo4jSinkError as err:
        raise click.ClickException(str(err)) from None
    try:
        # check the graph before anything is deleted: a bad node must not cost the old data
        sink.check_graph(graph)
    except sink.Neo4jSinkError as err:
        driver.close()
        raise click.ClickException(str(err)) from None
    try:
        with driver:
            sink.apply_schema(driver, database)
            if replace:
                deleted = sink.empty_graph(driver, database)
                click.echo(f"Emptied the database ({deleted} nodes deleted).", err=True)
            click.echo(f"Loading {graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges into {sink.redact_uri(uri)}", err=True)
            report = sink.load_graph(driver, graph, database, batch_size, _progress, refresh=False, prune=prune)
            if report.papers_pruned:
                click.echo(f"  removed {report.papers_pruned} papers this build does not hold, with their results",
                           err=True)
            if report.orphans_deleted:
                click.echo(f"  removed {report.orphans_deleted} concepts, repos or authors no paper links to any more",
                           err=True)
            # the analytics refresh reads the database back into a graph of its own: let go of
            # this one first (``kg push`` hands it over; a networkx graph is a reference cycle)
            del graph
            gc.collect()
            sink.refresh_derived(driver, database, batch_size, _progress, include_broad=include_broad)
            counts = sink.graph_counts(driver, database)
    except sink.Neo4jSinkError as err:
        raise click.ClickException(str(err)) from None
    except Exception as err:  # the driver's own errors: one sentence, no traceback
        from neo4j.exceptions import DriverError, Neo4jError

        if isinstance(err, (DriverError, Neo4jError)):
            raise click.ClickException(
                f"Loading into Neo4j at {sink.redact_uri(uri)} failed: {sink.redact_uri_in(str(err), uri)}. "
                "Loading is idempotent: run the same command again."
            ) from None
        raise
    nodes = ", ".join(f"{counts[k]} {k}" for k in ("Paper", "Concept", "Repo", "Author") if counts[k])
    rels = sum(v for k, v in counts.items() if k.isupper())
    click.echo(f"Neo4j now holds {nodes}; {rels} relationships. Open Neo4j Browser on the server's "
               "HTTP port (http://127.0.0.1:7474/browser/ by default) or try: kg query top_concepts")
    if report.papers_not_loaded:
        # a rebuild that dropped or retitled papers, or another corpus loaded before: both are
        # kept (MERGE never deletes), so say so rather than let the counts puzzle
        click.echo(f"{report.papers_not_loaded} of those papers are not in this build (earlier loads): "
                   "'kg push --prune' deletes them, '--replace' empties the database first.", err=True)
    return counts


PUSH_EPILOG = """
\b
Examples:
  export KG_NEO4J_PASSWORD=kg-neo4j-local
  scripts/neo4j-local start              # or: docker compose -f docker/compose.yml up -d
  kg build examples/sample --out kg-out
  kg push --out kg-out                   # MERGE: run it again, or after building more papers
  kg push --out kg-out --prune           # and delete the papers this build no longer holds
  kg push --out kg-out --replace --yes   # empty the database first
  kg build big-field/ --out big && kg push --out big --bulk   # first load of a big graph
                                         # into an empty database (neo4j-admin import)
"""


def _names_a_file(path: Path) -> bool:
    """Whether ``path`` is an existing file; False for text too long to be a file name."""
    try:
        return path.is_file()
    except (OSError, ValueError):  # "File name too long", a NUL byte
        return False


@main.command(epilog=PUSH_EPILOG)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("kg-out"),
              show_default=True, help="Output directory of kg build (reads its graph.json).")
@click.option("--prune", is_flag=True,
              help="After loading, delete the papers (with their results) that the database holds and "
                   "this build does not: a rebuild that dropped or retitled papers. Concepts only they "
                   "named go too; relationships of your own to them are deleted with them.")
@click.option("--replace", is_flag=True, help="Delete everything in the database first (asks unless --yes).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before --replace.")
@click.option("--include-broad", is_flag=True,
              help="Keep broad concepts (deep learning, LLMs ...) in the recomputed analytics.")
@click.option("--bulk", is_flag=True,
              help="First load into an EMPTY database with neo4j-admin database import: stops the "
                   "server, imports the build's CSV bundle (OUT/neo4j), starts it, applies the schema. "
                   "Refuses a database that holds anything. For a server run by scripts/neo4j-local.")
@click.option("--neo4j-data", "neo4j_data", envvar="KG_NEO4J_DATA", metavar="DIR",
              type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --bulk: the data folder of scripts/neo4j-local (its --data; default: .neo4j "
                   "of this kg checkout) [env KG_NEO4J_DATA].")
@neo4j_options
def push(out: Path, prune: bool, replace: bool, yes: bool, include_broad: bool, bulk: bool, neo4j_data: Path | None,
         uri: str, user: str, database: str | None, batch_size: int) -> None:
    """Load the graph built by 'kg build' into Neo4j.

    Nodes and relationships are MERGEd, so pushing again changes nothing and pushing a graph
    of new papers links them to the concepts already in the database. PageRank, communities,
    CO_OCCURS and SIMILAR_TO are then recomputed over everything the database holds.

    Papers of earlier loads that this build does not hold (a rebuild dropped or retitled them)
    stay, and kg push says how many; --prune deletes them after the load.

    --bulk is for the first load of a big graph into an empty database: Neo4j's own importer
    writes the store directly, the server stopped meanwhile, and the analytics come as the
    build computed them. It never overwrites a database: one that holds anything is refused.
    Every later load (new papers, a rebuild) is a push without --bulk, which stays the
    incremental path.
    """
    from kg.sinks.files import CorruptFileError, read_graph_json
    from kg.sinks.outputs import current

    if bulk:
        if prune:
            raise click.ClickException("--bulk loads into an empty database, where there is nothing to prune.")
        push_bulk(out, replace, include_broad, neo4j_data, uri, user, database)
        return
    path = out / "graph.json"
    if not current(path).exists():  # current(): also a killed run's committed graph
        raise click.ClickException(f"No graph in {path}: run 'kg build INPUT --out {out}' first.")
    checked_uri(uri)
    password = _password()
    if replace and not yes:
        from kg.sinks.neo4j import redact_uri

        click.confirm(f"Delete every node and relationship in Neo4j at {redact_uri(uri)}?", abort=True)

    def read_graph() -> nx.DiGraph:
        try:
            return read_graph_json(path)
        except CorruptFileError as err:
            raise click.ClickException(str(err)) from None

    # handed over, not kept here: push_graph lets go of it before the analytics refresh
    push_graph(read_graph(), uri, user, password, database, batch_size, replace=replace, include_broad=include_broad,
               prune=prune)


def push_bulk(out: Path, replace: bool, include_broad: bool, neo4j_data: Path | None, uri: str, user: str,
              database: str | None) -> dict[str, int]:
    """``kg push --bulk``: :func:`kg.sinks.neo4j_admin.bulk_load` of ``OUT/neo4j`` into the
    server that scripts/neo4j-local runs from ``neo4j_data``."""
    from kg.sinks import neo4j_admin
    from kg.sinks.outputs import current

    if replace:
        raise click.ClickException("--bulk never deletes a database: empty it with 'kg push --replace' "
                                   "(or start a new data folder), then run kg push --bulk.")
    if include_broad:
        raise click.ClickException("--bulk loads the analytics the build computed: build with "
                                   "'kg build --include-broad' instead.")
    bundle = current(out / "neo4j")
    if not (bundle / neo4j_admin.MANIFEST).is_file() and not current(out / "graph.json").exists():
        raise click.ClickException(f"No build in {out}: run 'kg build INPUT --out {out}' first.")
    script = neo4j_admin.default_script()
    if script is None:
        raise click.ClickException("--bulk drives scripts/neo4j-local of a kg checkout, and this kg is "
                                   "not run from one: use kg push without --bulk.")
    checked_uri(uri)
    password = _password()
    data_dir = (neo4j_data or script.parents[1] / ".neo4j").resolve()
    if not (data_dir / "conf" / "neo4j.conf").is_file():
        raise click.ClickException(f"{data_dir} is not a data folder of scripts/neo4j-local (no conf/neo4j.conf): "
                                   "give the one the server runs from with --neo4j-data or KG_NEO4J_DATA.")
    # the script sets the initial password of a new store from the environment: ours
    server = neo4j_admin.LocalServer(script, data_dir, {"KG_NEO4J_PASSWORD": password})
    quiet_driver_logs()
    try:
        counts = neo4j_admin.bulk_load(bundle, server, uri, user, password, database,
                                       echo=lambda line: click.echo(line, err=True))
    except neo4j_admin.Neo4jSinkError as err:
        raise click.ClickException(str(err)) from None
    nodes = ", ".join(f"{v} {k}" for k, v in counts.items() if v and not k.isupper())
    rels = sum(v for k, v in counts.items() if k.isupper())
    click.echo(f"Neo4j now holds {nodes}; {rels} relationships. Load more papers later with "
               "kg push (without --bulk).")
    return counts


# --------------------------------------------------------------------------- kg query

_BROWSER_PARAM = re.compile(r"^\s*//\s*:param\s+([A-Za-z_][A-Za-z0-9_]*)\s*=>\s*(.+?)\s*;?\s*$")


def parse_value(text: str) -> Any:
    """A parameter value: JSON (numbers, true, lists ...) or a quoted string, else the text."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
    except RecursionError:
        raise ValueError("nested too deeply") from None


#: lists and maps nested deeper than this are refused: the driver unpacks the server's answer
#: recursively, and fails a few hundred levels down
MAX_PARAM_DEPTH = 100


def check_value(value: Any) -> None:
    """Raise ValueError when Neo4j cannot take ``value`` as a parameter, anywhere in nested
    lists and maps: an integer beyond its 64-bit range (the driver fails with OverflowError),
    text that is not Unicode (a lone surrogate, "\\ud800" in JSON: the driver cannot encode
    it), or nesting deeper than :data:`MAX_PARAM_DEPTH`."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_PARAM_DEPTH:
            raise ValueError(f"lists or maps nested more than {MAX_PARAM_DEPTH} deep")
        if isinstance(item, int) and not isinstance(item, bool) and not INT_RANGE[0] <= item <= INT_RANGE[1]:
            raise ValueError(f"the integer {str(item)[:30]}{'…' if len(str(item)) > 30 else ''} "
                             "is beyond Neo4j's 64-bit range")
        texts = [item] if isinstance(item, str) else list(item) if isinstance(item, dict) else []
        for text in texts:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("text holding a lone surrogate (\\ud800-\\udfff), which is not Unicode") from None
        if isinstance(item, list):
            stack.extend((one, depth + 1) for one in item)
        elif isinstance(item, dict):
            stack.extend((one, depth + 1) for one in item.values())


def check_params(params: dict[str, Any]) -> None:
    """:func:`check_value` for every parameter, naming the first bad one."""
    for name, value in params.items():
        try:
            check_value(value)
        except ValueError as err:
            raise ValueError(f"parameter {name!r}: {err}") from None


def default_params(query: str) -> dict[str, Any]:
    """Defaults from ``// :param name => value`` comment lines (the Neo4j Browser command a
    user would run first), so the same file works in Browser and with ``kg query``."""
    params = {}
    for number, line in enumerate(query.splitlines(), 1):
        match = _BROWSER_PARAM.match(line)
        if match:
            try:
                params[match.group(1)] = parse_value(match.group(2))
                check_value(params[match.group(1)])
            except ValueError as err:
                raise ValueError(f"line {number}: :param {match.group(1)}: {err}") from None
    return params


def _cell(value: Any, nested: bool = False) -> str:
    """A value as a table cell shows it: a top-level list as its items, a nested one and a map
    in brackets, so [1, [2, 3]] does not read as 1, 2, 3."""
    from neo4j.graph import Node, Relationship
    from neo4j.graph import Path as GraphPath

    if isinstance(value, Node):
        labels = ":".join(sorted(value.labels))
        name = value.get("name") or value.get("title") or value.get("id") or value.get("url")
        return f"(:{labels} {name})"
    if isinstance(value, Relationship):
        return f"[:{value.type}]"
    if isinstance(value, GraphPath):
        return " -> ".join(_cell(n) for n in value.nodes)
    if isinstance(value, bool):
        return "true" if value else "false"  # as Cypher writes them
    if isinstance(value, float):
        # six significant digits, and whole numbers as they are: 123456.0 is "123456", not 1.235e+05
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.6g}"
    if isinstance(value, list):
        items = ", ".join(_cell(v, nested=True) for v in value)
        return f"[{items}]" if nested else items
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_cell(v, nested=True)}" for k, v in value.items()) + "}"
    if value is None:
        return "null" if nested else ""  # an empty cell, but a null inside a list or map
    return str(value)


def _json_value(value: Any) -> Any:
    from neo4j.graph import Node, Relationship
    from neo4j.graph import Path as GraphPath

    if isinstance(value, Node):
        return {"labels": sorted(value.labels), **_json_value(dict(value))}
    if isinstance(value, Relationship):
        return {"type": value.type, **_json_value(dict(value))}
    if isinstance(value, GraphPath):
        return [_json_value(n) for n in value.nodes]
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or Infinity; json.dumps would write them anyway
    return value


def format_table(keys: list[str], rows: list[list[Any]], width: int = 60) -> str:
    """A plain text table, each cell cut to ``width`` characters."""
    # database text is paper text: no control sequences, bidi controls visible, one line
    cells = [[terminal(_cell(v)) for v in row] for row in rows]
    keys = [terminal(k) for k in keys]
    cells = [[fit(c, width).rstrip() if display_width(c) > width else c for c in row] for row in cells]
    widths = [max([display_width(k)] + [display_width(row[i]) for row in cells]) for i, k in enumerate(keys)]
    lines = ["  ".join(fit(k, w) for k, w in zip(keys, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(fit(c, w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


QUERY_EPILOG = """
\b
Examples:
  kg query papers_using_concept --param concept=JEPA
  kg query shortest_path_between_concepts \\
      --param source_concept=ViT --param target_concept=ImageNet
  kg query "MATCH (m:Method) RETURN m.name, m.paper_count ORDER BY m.paper_count DESC LIMIT 10"
  kg query top_concepts -p type=dataset --format json > top.json

Files may set defaults with Neo4j Browser's syntax in a comment: // :param concept => 'JEPA'
"""


@main.command(epilog=QUERY_EPILOG)
@click.argument("query")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Query parameter $NAME (repeatable); VALUE is JSON (42, true, [1,2]) or text.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Print a table, or one JSON object per row.")
@connection_options
def query(query: str, params: tuple[str, ...], fmt: str, uri: str, user: str, database: str | None) -> None:
    """Run a Cypher query (a .cypher file or the query text) and print the result.

    QUERY is a path to a .cypher file, the name of a ready query (`kg query top_concepts`; the
    files of cypher/queries/, shipped with kg) or the text of one statement.
    """
    from kg.sinks import neo4j as sink

    path = Path(query)
    # one word is a ready query's name or a file: Cypher text has spaces ("RETURN 1")
    one_word = len(query.split()) <= 1
    by_name = one_word and "/" not in query
    where = path.parent.as_posix()
    by_checkout_path = query.endswith(".cypher") and (where in (".", "queries") or where.endswith("cypher/queries"))
    if not _names_a_file(path) and (by_name or by_checkout_path):
        # a ready query by name or by its path in a checkout, also from an installed kg
        path = sink.shipped_query(query) or path
    if one_word or query.endswith(".cypher") or _names_a_file(path):
        if not _names_a_file(path):
            ready = ", ".join(sorted(p.stem for p in sink.QUERIES_FOLDER.glob("*.cypher")))
            what = ("The query is empty" if not query.strip() else
                    f"{path} is a folder, not a query file" if path.is_dir() else f"No such query file: {path}")
            raise click.ClickException(f"{what}. Ready queries by name: {ready}.")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise click.ClickException(f"{path}: not UTF-8 text (byte {err.start}).") from None
        except OSError as err:
            raise click.ClickException(f"Cannot read {path}: {err.strerror}.") from None
    else:
        text = query
        try:  # bytes a shell passed that are not UTF-8 come in as lone surrogates
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise click.ClickException("The query holds bytes that are not UTF-8 text.") from None
    try:
        values = default_params(text)
    except ValueError as err:
        raise click.ClickException(f"{path if text is not query else 'The query'} {err}.") from None
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.ClickException(f"--param {item[:60]!r}: expected NAME=VALUE.")
        try:
            parsed = parse_value(value)
            default = values.get(name.strip())
            if isinstance(default, str) and isinstance(parsed, (int, float)):
                # the query takes text here (its default is text): "2401.00009" is a paper id,
                # not the number 2401.00009
                parsed = value.strip()
            if (isinstance(default, (int, float)) and not isinstance(default, bool)
                    and not (isinstance(parsed, (int, float)) and not isinstance(parsed, bool))):
                # Neo4j would answer with a Java type error
                raise ValueError(f"the query takes a number here (its default is {default}), not {value.strip()[:40]!r}")
            values[name.strip()] = parsed
            check_value(values[name.strip()])
        except ValueError as err:
            raise click.ClickException(f"--param {name.strip()}: {err}.") from None
    used = set(re.findall(r"\$`?(\w+)", text))
    for item in params:  # a misspelt name would leave the query its default, silently
        name = item.partition("=")[0].strip()
        if name not in used:
            click.echo(f"warning: --param {terminal(name)} is not used by the query (it has "
                       f"{', '.join('$' + n for n in sorted(used)) or 'no parameters'})", err=True)
    checked_uri(uri)
    password = _password()
    # The warnings are printed below as one line each; the driver would also log them in full.
    quiet_driver_logs()
    try:
        with sink.connect(uri, user, password, database) as driver:
            # kg's ready queries name only its schema: a type this graph lacks is no mistake
            ready_query = _names_a_file(path) and path.resolve().parent == sink.QUERIES_FOLDER.resolve()
            result = sink.run_query(driver, text, values, database, schema_names_only=ready_query)
    except sink.Neo4jSinkError as err:
        raise click.ClickException(str(err)) from None
    for warning in result.warnings:
        click.echo(f"warning: {terminal(warning)}", err=True)
    if fmt == "json":
        for row in result.rows:
            click.echo(json_line(json.dumps({k: _json_value(v) for k, v in zip(result.keys, row)},
                                            ensure_ascii=False, default=str)))
        return
    if result.keys:
        click.echo(format_table(result.keys, result.rows))
    click.echo(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})", err=True)
