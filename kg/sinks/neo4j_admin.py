"""Bulk first load: ``neo4j-admin database import full`` on the CSV bundle of ``kg build``.

The UNWIND loader (:mod:`kg.sinks.neo4j`) MERGEs row by row through Bolt, which is what an
incremental load needs but slow for a first load of a big graph. Neo4j's own importer writes
the store files directly, many times faster, under two conditions that this module enforces:
the database must be empty (the importer replaces it) and the server must be stopped (Neo4j's
documented order is stop, import, start). So :func:`bulk_load`

1. reads the bundle's ``manifest.json`` (every CSV file, its labels or relationship type, ID
   spaces and column kinds; :mod:`kg.sinks.neo4j_bundle` writes it) and refuses a bundle it
   does not describe, before the server is touched;
2. asks the running server, over Bolt, whether the database is empty: any node, relationship
   or index that kg's schema does not make is a refusal, so a user's database is never
   overwritten;
3. writes import copies of the CSV files whose first line is the importer's typed header
   (``id:ID(Paper)``, ``year:long``, ``aliases:string[]``, ``:START_ID(Paper)`` ...): the
   bundle's own header is the one ``load.cypher`` reads with LOAD CSV, so it stays as it is;
4. stops the server, runs the importer of the same Neo4j distribution, starts the server
   again (also when the import failed: the server is left running as it was found);
5. applies ``cypher/schema.cypher`` and stores the empty lists that CSV cannot tell from a
   missing value, so the database equals a UNWIND push of the same build.

The server is one that ``scripts/neo4j-local`` runs from a data directory: that script knows
how to stop and start it and where the jars of its ``neo4j-admin`` are. Labels, types and
property names reach the importer's command line and the few statements of step 5 only from
the manifest, checked to be plain identifiers; no data value is ever part of a statement.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from neo4j import Driver
from neo4j.exceptions import ServiceUnavailable, TransientError

from kg.sinks.neo4j import (
    Neo4jSinkError,
    apply_schema,
    connect,
    graph_counts,
    schema_statements,
)
from kg.sinks.neo4j_bundle import MANIFEST

#: the importer's type of each column kind of the bundle (kg.sinks.neo4j_bundle._Columns.kinds)
IMPORT_TYPES = {"string": "string", "int": "long", "float": "double", "bool": "boolean", "list": "string[]"}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DATABASE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
_SCHEMA_NAME = re.compile(r"^\s*CREATE\s+(?:FULLTEXT\s+)?(?:CONSTRAINT|INDEX)\s+([A-Za-z_][A-Za-z0-9_]*)", re.I)
#: the importer's own summary lines worth showing (the rest goes to the log file)
_SUMMARY = re.compile(r"^\s*(IMPORT DONE|Imported:|\d+ (nodes|relationships|properties)|Peak memory)")

#: called with one line of news for the user
Echo = Callable[[str], None]


class BulkLoadError(Neo4jSinkError):
    """A bulk load refused or failed, explained in one sentence."""


# --------------------------------------------------------------------------- the bundle


@dataclass(frozen=True)
class BundleFile:
    """One CSV file of the bundle as the importer must read it."""

    path: Path
    rows: int
    columns: dict[str, str]  # column -> kind
    labels: tuple[str, ...] = ()  # nodes
    id_space: str = ""  # nodes
    key: str = ""  # nodes: the property the key column is stored as
    type: str = ""  # relationships
    start: str = ""  # relationships: ID space of the start node
    end: str = ""  # relationships: ID space of the end node

    @property
    def is_node(self) -> bool:
        return bool(self.labels)

    def import_header(self) -> list[str]:
        """The header line of the importer's copy of this file, one entry per column."""
        header = []
        for column, kind in self.columns.items():
            if self.is_node and column == "key":
                # stored under the label's key property, unless another column already is it
                stored = self.key if self.key not in self.columns else ""
                header.append(f"{stored}:ID({self.id_space})")
            elif not self.is_node and column == "source":
                header.append(f":START_ID({self.start})")
            elif not self.is_node and column == "target":
                header.append(f":END_ID({self.end})")
            else:
                header.append(f"{column}:{IMPORT_TYPES[kind]}")
        return header


@dataclass(frozen=True)
class Bundle:
    """The bundle's files, from its manifest."""

    directory: Path
    nodes: list[BundleFile]
    relationships: list[BundleFile]
    list_separator: str

    @property
    def files(self) -> list[BundleFile]:
        return [*self.nodes, *self.relationships]


def _name(value: Any, what: str, where: str) -> str:
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise BulkLoadError(f"{where}: {what} {str(value)[:60]!r} is not a plain identifier.")
    return value


def _entry(directory: Path, item: Any, node: bool, where: str) -> BundleFile:
    if not isinstance(item, dict):
        raise BulkLoadError(f"{where}: expected an object, found {type(item).__name__}.")
    file = item.get("file")
    if not isinstance(file, str) or Path(file).name != file or not file.endswith(".csv"):
        raise BulkLoadError(f"{where}: 'file' must name a CSV file of the bundle folder, not {str(file)[:60]!r}.")
    path = directory / file
    if not path.is_file():
        raise BulkLoadError(f"{where}: {path} is missing; run kg build again.")
    listed = item.get("columns")
    if not isinstance(listed, list) or not listed or not all(isinstance(c, dict) for c in listed):
        raise BulkLoadError(f"{where}: 'columns' must be a list of {{name, kind}}.")
    columns = {_name(c.get("name"), "column", where): c.get("kind") for c in listed}
    for column, kind in columns.items():
        if kind not in IMPORT_TYPES:
            raise BulkLoadError(f"{where}: column {column!r} has kind {str(kind)[:30]!r}, not one of {sorted(IMPORT_TYPES)}.")
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    if header != list(columns):
        raise BulkLoadError(f"{path} line 1: the columns are not those of the manifest; run kg build again.")
    rows = item.get("rows")
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
        raise BulkLoadError(f"{where}: 'rows' must be a count.")
    if node:
        labels = item.get("labels")
        if not isinstance(labels, list) or not labels:
            raise BulkLoadError(f"{where}: no labels.")
        if "key" not in columns:
            raise BulkLoadError(f"{where}: no 'key' column.")
        return BundleFile(path, rows, columns, labels=tuple(_name(lb, "label", where) for lb in labels),
                          id_space=_name(item.get("id_space"), "ID space", where),
                          key=_name(item.get("key"), "key property", where))
    if "source" not in columns or "target" not in columns:
        raise BulkLoadError(f"{where}: a relationship file needs 'source' and 'target' columns.")
    return BundleFile(path, rows, columns, type=_name(item.get("type"), "relationship type", where),
                      start=_name(item.get("start"), "ID space", where),
                      end=_name(item.get("end"), "ID space", where))


def read_bundle(directory: Path) -> Bundle:
    """The bundle in ``directory`` (``kg build``'s ``OUT/neo4j``), checked against its files.

    Raises :class:`BulkLoadError` naming the file when the manifest is missing, broken or
    does not describe every CSV file of the folder.
    """
    path = directory / MANIFEST
    if not path.is_file():
        raise BulkLoadError(f"No {path}: the bundle was written by an older kg build; run kg build again.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BulkLoadError(f"{path}: not a readable manifest ({err}); run kg build again.") from None
    if not isinstance(data, dict) or data.get("format") != 1:
        raise BulkLoadError(f"{path}: not a kg bundle manifest of format 1; run kg build again.")
    separator = data.get("list_separator")
    if not isinstance(separator, str) or len(separator) != 1 or separator in ',"\n\r':
        raise BulkLoadError(f"{path}: 'list_separator' must be one character other than a comma, quote or newline.")
    sections = {}
    for section, node in (("nodes", True), ("relationships", False)):
        items = data.get(section)
        if not isinstance(items, list):
            raise BulkLoadError(f"{path}: {section!r} must be a list.")
        sections[section] = [_entry(directory, item, node, f"{path} {section}[{i}]") for i, item in enumerate(items)]
    bundle = Bundle(directory, sections["nodes"], sections["relationships"], separator)
    described = {f.path.name for f in bundle.files}
    strays = sorted(p.name for p in directory.glob("*.csv") if p.name not in described)
    if strays:
        raise BulkLoadError(f"{path} does not describe {', '.join(strays)}: run kg build again.")
    if not bundle.nodes:
        raise BulkLoadError(f"{path}: the bundle holds no nodes.")
    return bundle


# --------------------------------------------------------------------------- import copies


@dataclass
class StagedFile:
    source: BundleFile
    relative: str  # path from the server's data directory, where neo4j-admin runs
    multiline: bool


def stage_import_files(bundle: Bundle, staging: Path, base: Path) -> list[StagedFile]:
    """Copy every bundle file into ``staging`` with the importer's header as its first line.

    The data lines are copied as bytes. A file whose fields hold line breaks (more line ends
    than rows, or a carriage return) is marked ``multiline``: without one, the import skips
    the importer's slower multi-line parsing.
    """
    staging.mkdir(parents=True, exist_ok=True)
    staged = []
    for number, source in enumerate(bundle.files):
        target = staging / f"{number:03d}-{source.path.name}"
        line_ends = 0
        carriage_returns = False
        with source.path.open("rb") as reader, target.open("wb") as writer:
            reader.readline()  # the LOAD CSV header: column names are identifiers, one line
            writer.write((",".join(source.import_header()) + "\n").encode("utf-8"))
            while chunk := reader.read(1 << 22):
                writer.write(chunk)
                line_ends += chunk.count(b"\n")
                carriage_returns = carriage_returns or b"\r" in chunk
        staged.append(StagedFile(source, str(target.relative_to(base)),
                                 multiline=carriage_returns or line_ends > source.rows))
    return staged


def import_arguments(bundle: Bundle, staged: list[StagedFile], database: str, report: str) -> list[str]:
    """The ``neo4j-admin`` arguments that import ``staged`` into ``database`` (a list: no shell)."""
    # the database name first: after --nodes=FILES... picocli would take it for one more file
    args = ["database", "import", "full", database,
            f"--array-delimiter={bundle.list_separator}",
            # the database is empty (checked), but it exists: its empty store is replaced
            "--overwrite-destination=true",
            f"--report-file={report}"]
    if any(s.multiline for s in staged):
        # Only when some field holds a line break: it slows the parser down. The per-file list of
        # the v2 format failed on a multi-line file over the 4 MiB read buffer ("floating quote").
        args.append("--multiline-fields=true")
    for item in staged:
        if item.source.is_node:
            args.append(f"--nodes={':'.join(item.source.labels)}={item.relative}")
        else:
            args.append(f"--relationships={item.source.type}={item.relative}")
    return args


# --------------------------------------------------------------------------- the server


@dataclass
class LocalServer:
    """A Neo4j server run by ``scripts/neo4j-local`` from ``data_dir``."""

    script: Path
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    def run(self, command: str, *args: str, log: Path | None = None,
            timeout: float | None = None) -> subprocess.CompletedProcess[str]:
        argv = [str(self.script), command, "--data", str(self.data_dir), *args]
        env = {**os.environ, **self.env}
        if log is None:
            return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        with log.open("w", encoding="utf-8") as handle:
            return subprocess.run(argv, env=env, stdout=handle, stderr=subprocess.STDOUT, text=True,
                                  timeout=timeout, check=False)

    def _conf_address(self, setting: str) -> int | None:
        conf = self.data_dir / "conf" / "neo4j.conf"
        if not conf.is_file():
            return None
        for line in conf.read_text(encoding="utf-8", errors="replace").splitlines():
            name, sep, value = line.partition("=")
            if sep and name.strip() == setting and value.strip().rsplit(":", 1)[-1].isdigit():
                return int(value.strip().rsplit(":", 1)[-1])
        return None

    @property
    def bolt_port(self) -> int | None:
        return self._conf_address("server.bolt.listen_address")

    @property
    def http_port(self) -> int | None:
        return self._conf_address("server.http.listen_address")

    def discard_store(self, database: str) -> None:
        """Delete the store and transaction logs of ``database`` (the server is stopped)."""
        if not _DATABASE_NAME.match(database):  # a name Neo4j accepts is a plain folder name
            raise BulkLoadError(f"Unexpected database name {database[:60]!r}.")
        data = self.data_dir / "data"
        for part in ("databases", "transactions"):
            shutil.rmtree(data / part / database, ignore_errors=True)

    def running(self) -> bool:
        """Whether the server of ``data_dir`` is alive (pid file and process)."""
        return self.run("status").returncode in (0, 1)

    def start(self, bolt_port: int, http_port: int | None) -> None:
        ports = ["--bolt-port", str(bolt_port)] + (["--http-port", str(http_port)] if http_port else [])
        done = self.run("start", *ports)
        if done.returncode != 0:
            raise BulkLoadError(f"scripts/neo4j-local could not start the server of {self.data_dir}: "
                                f"{_last_line(done.stderr or done.stdout)}")

    def stop(self) -> None:
        done = self.run("stop")
        if done.returncode != 0 or self.running():
            raise BulkLoadError(f"scripts/neo4j-local could not stop the server of {self.data_dir}: "
                                f"{_last_line(done.stderr or done.stdout)}")


_BAD_SOURCE = re.compile(r"source:(?P<path>[^,\]]+), position:\d+, line:(?P<line>\d+)")
_BAD_REASON = re.compile(r"original error: (?P<reason>.+)")


def _import_error(output: str) -> str:
    """The reason of a failed import in one line: the bundle file and line, and the importer's
    explanation (from its --verbose output), else its last line."""
    source, reason = _BAD_SOURCE.search(output), _BAD_REASON.search(output)
    if source and reason:
        # import copies are NNN-NAME.csv with the bundle's own line numbering (the header kept)
        name = Path(source.group("path").strip()).name.split("-", 1)[-1]
        return f"{name} line {int(source.group('line')) + 1}: {reason.group('reason').strip()[:300]}"
    errors = [line.strip() for line in output.splitlines() if line.strip().startswith(("Error", "ERROR", "Caused by"))]
    return (errors or [_last_line(output)])[-1][:300]


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no message"


def default_script() -> Path | None:
    """``scripts/neo4j-local`` of the kg checkout this package runs from, if there is one."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "neo4j-local"
    return script if script.is_file() else None


# --------------------------------------------------------------------------- checks


def _schema_names() -> set[str]:
    return {m.group(1) for s in schema_statements() if (m := _SCHEMA_NAME.match(s))}


def check_empty(driver: Driver, uri: str, database: str | None) -> None:
    """Refuse unless ``database`` holds no node, no relationship and no index or constraint
    other than kg's own: the import replaces the whole store."""
    counts = [driver.execute_query(query, database_=database, routing_="r")[0][0]["n"]
              for query in ("MATCH (n) RETURN count(n) AS n", "MATCH ()-[r]->() RETURN count(r) AS n")]
    nodes, relationships = counts
    if nodes or relationships:
        raise BulkLoadError(
            f"Neo4j at {uri} already holds {nodes} nodes and {relationships} relationships: --bulk only "
            "loads into an empty database and never overwrites one. Use kg push without --bulk "
            "(it MERGEs into what is there), or empty the database first (kg push --replace).")
    indexes, _, _ = driver.execute_query("SHOW INDEXES YIELD name, type RETURN name, type",
                                         database_=database, routing_="r")
    own = _schema_names()
    foreign = sorted(r["name"] for r in indexes if r["type"] != "LOOKUP" and r["name"] not in own)
    if foreign:
        raise BulkLoadError(
            f"Neo4j at {uri} is empty but has indexes or constraints kg did not make ({', '.join(foreign[:5])}): "
            "the import would drop them. Use kg push without --bulk.")


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def _local_port(uri: str) -> int:
    parts = urlsplit(uri)
    if (parts.hostname or "").lower() not in _LOCAL_HOSTS:
        raise BulkLoadError(
            f"--bulk writes the store files of a server on this machine; {uri} is not on 127.0.0.1. "
            "Run kg push --bulk where the server runs, or use kg push without --bulk.")
    return parts.port or 7687


def _connect_when_online(uri: str, user: str, password: str, database: str | None, timeout: float = 300) -> Driver:
    # Bolt answers before the databases are online (after an import, Neo4j first opens and
    # checks the new store): wait for the database itself.
    deadline = time.monotonic() + timeout
    while True:
        try:
            driver = connect(uri, user, password, database)
        except (Neo4jSinkError, TransientError, ServiceUnavailable) as err:
            # a refused password or a missing database is final; only "not yet" is waited for
            if isinstance(err, Neo4jSinkError) and not str(err).startswith("Cannot reach"):
                raise
            if time.monotonic() > deadline:
                raise BulkLoadError(f"Neo4j at {uri} did not bring its database online within {timeout:.0f}s "
                                    f"after the import: {err}") from None
            time.sleep(1)
            continue
        return driver


# --------------------------------------------------------------------------- the load


def _fill_empty_lists(driver: Driver, bundle: Bundle, database: str | None) -> None:
    # CSV cannot tell an empty list from no value and the importer stores neither; the UNWIND
    # loader and load.cypher store []. Names are checked identifiers from the manifest.
    statements = []
    for item in bundle.files:
        for column, kind in item.columns.items():
            if kind != "list":
                continue
            if item.is_node:
                pattern = f"(x:`{item.labels[-1]}`)"
            else:
                pattern = f"()-[x:`{item.type}`]->()"
            statements.append(f"MATCH {pattern} WHERE x.`{column}` IS NULL SET x.`{column}` = []")
    with driver.session(database=database) as session:
        for statement in statements:
            session.execute_write(lambda tx, s=statement: tx.run(s).consume())


def bulk_load(
    bundle_dir: Path,
    server: LocalServer,
    uri: str,
    user: str,
    password: str,
    database: str | None = None,
    echo: Echo = print,
) -> dict[str, int]:
    """Load the bundle in ``bundle_dir`` into the empty ``database`` of ``server`` with
    ``neo4j-admin database import full`` (stop, import, start), then apply kg's schema.

    Returns the node and relationship counts afterwards (:func:`kg.sinks.neo4j.graph_counts`).
    Raises :class:`BulkLoadError` (one sentence) when the bundle is not usable, the database is
    not empty, the server is not the one at ``uri`` or cannot be stopped, or the import fails.
    """
    bundle = read_bundle(bundle_dir)
    port = _local_port(uri)
    configured = server.bolt_port
    if configured is not None and configured != port:
        raise BulkLoadError(
            f"The server of {server.data_dir} listens on Bolt port {configured}, but the URI is {uri}: "
            "give the URI of that server, or the data folder of the one at the URI (--neo4j-data).")
    http_port = server.http_port
    if not server.running():
        if _port_answers(port):
            raise BulkLoadError(
                f"The server at {uri} was not started by scripts/neo4j-local from {server.data_dir}, so kg "
                "cannot stop it for the import: give its data folder (--neo4j-data), or use kg push without --bulk.")
        echo(f"Starting the server of {server.data_dir} to check that its database is empty")
        server.start(port, http_port)

    with _connect_when_online(uri, user, password, database, timeout=120) as driver:
        records, _, _ = driver.execute_query("CALL db.info() YIELD name RETURN name", database_=database,
                                             routing_="r")
        target = records[0]["name"]
        check_empty(driver, uri, database)

    staging = server.data_dir / f".kg-bulk-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        clock = time.perf_counter()
        staged = stage_import_files(bundle, staging, server.data_dir)
        echo(f"Prepared {len(staged)} files for neo4j-admin ({time.perf_counter() - clock:.1f}s); "
             f"stopping the server of {server.data_dir}")
        clock = time.perf_counter()
        server.stop()
        log = server.data_dir / "logs" / "kg-bulk-import.log"
        args = import_arguments(bundle, staged, target, str((staging / "import.report").relative_to(server.data_dir)))
        echo(f"Stopped ({time.perf_counter() - clock:.1f}s); neo4j-admin database import full {target} (log: {log})")
        clock = time.perf_counter()
        imported = False
        try:
            # --verbose: a failure then names the file, line and reason, which the message below shows
            done = server.run("admin", "--", *args, "--verbose", log=log)
            imported = done.returncode == 0
        finally:
            if not imported:
                # neo4j-admin leaves a failed import's store files unusable; the database was
                # empty, so an empty one is what to give back (Neo4j makes it on start)
                server.discard_store(target)
            echo(f"Import ended ({time.perf_counter() - clock:.1f}s); starting the server again")
            clock = time.perf_counter()
            # whatever happened, the server runs again as it was found (or as kg started it)
            server.start(port, http_port)
        output = log.read_text(encoding="utf-8", errors="replace")
        if not imported:
            raise BulkLoadError(
                f"neo4j-admin database import failed: {_import_error(output)} (full log: {log}). The "
                "database is empty again, as it was; run the same command after fixing the cause.")
        for line in output.splitlines():
            if _SUMMARY.match(line):
                echo("  " + line.strip())
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    with _connect_when_online(uri, user, password, database) as driver:
        echo(f"Started ({time.perf_counter() - clock:.1f}s); applying the schema")
        clock = time.perf_counter()
        apply_schema(driver, database)
        _fill_empty_lists(driver, bundle, database)
        echo(f"Schema online ({time.perf_counter() - clock:.1f}s)")
        return graph_counts(driver, database)


__all__ = ["Bundle", "BundleFile", "BulkLoadError", "LocalServer", "bulk_load", "check_empty", "default_script",
           "import_arguments", "read_bundle", "stage_import_files"]
