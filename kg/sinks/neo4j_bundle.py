"""Neo4j import bundle: the graph as CSV files plus a ``load.cypher`` that ``LOAD CSV``s them.

For users who cannot (or would rather not) let kg connect to their server: copy the folder's
CSV files into the server's import directory and run ``load.cypher``. The bundle holds the
graph exactly as ``kg build`` made it, derived analytics included, so loading it into an empty
database gives the same nodes, relationships and properties as ``kg push``. ``manifest.json``
lists the files with their labels, relationship types, ID spaces and column kinds: ``kg push
--bulk`` (:mod:`kg.sinks.neo4j_admin`) drives ``neo4j-admin database import`` from it.

Labels and relationship types in ``load.cypher`` come from the whitelists of
:mod:`kg.sinks.neo4j`; a property name is written only if it is a plain identifier.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from operator import itemgetter
from pathlib import Path
from typing import Any

import networkx as nx

from kg.schema import CO_OCCURS, CONCEPT, PAPER, SIMILAR_TO
from kg.sinks.files import atomic_write
from kg.sinks.neo4j import (
    CONCEPT_LABELS,
    DERIVED_RELATIONSHIPS,
    NODE_KEYS,
    RELATIONSHIP_SOURCES,
    RELATIONSHIP_TARGETS,
    Neo4jSinkError,
    _key_of,
    node_rows,
    schema_statements,
)

#: separator of list values (aliases) inside one CSV field; split() in load.cypher undoes it
LIST_SEPARATOR = "|"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: relationship type -> (source label, source key, target label, target key)
_ENDPOINTS: dict[str, tuple[str, str, str, str]] = {
    **{
        rel: (RELATIONSHIP_SOURCES[rel], NODE_KEYS[RELATIONSHIP_SOURCES[rel]], target,
              "id" if target == CONCEPT else NODE_KEYS[target])
        for rel, target in RELATIONSHIP_TARGETS.items()
    },
    CO_OCCURS: (CONCEPT, "id", CONCEPT, "id"),
    SIMILAR_TO: (PAPER, "id", PAPER, "id"),
}

HEADER = """\
// kg Neo4j import bundle: LOAD CSV of the graph written by `kg build` into an EMPTY database.
//
// 1. Copy the CSV files of this folder into the server's import directory, for example
//      scripts/neo4j-local:  cp kg-out/neo4j/*.csv .neo4j/import/
//      Docker (compose):     the compose file mounts kg-out/neo4j at /import already
//      Neo4j Desktop / tar:  cp kg-out/neo4j/*.csv <NEO4J_HOME>/import/
//    (file:///X.csv below means X.csv directly in that directory.)
// 2. Run this file: paste it into Neo4j Browser (multi-statement editor, the default), or
//      cypher-shell -u neo4j -f kg-out/neo4j/load.cypher
//
// Text is written with standard CSV quoting (a quote doubled). Servers whose
// dbms.import.csv.legacy_quote_escaping is true (the default) also read backslash-quote as a
// quote, which misreads a value ending in a backslash or holding one before a quote, and fails
// the whole file's statement; scripts/neo4j-local and docker/compose.yml turn that off: do the
// same on your server when the line below names such values (`kg push` and `kg push --bulk`
// read them right either way).
// List properties (aliases) are joined with '|' in their CSV field ('|' in an alias is '/').
"""


def _csv_value(value: Any) -> Any:
    if type(value) is str:  # most values: first, before the isinstance chain
        return value
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set)):
        return LIST_SEPARATOR.join(str(v).replace(LIST_SEPARATOR, "/") for v in value if v is not None)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (str, int)):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


#: the kind of the plain types, looked up first: a big bundle has millions of values
_KIND_OF_TYPE = {str: "string", int: "int", float: "float", bool: "bool", list: "list", tuple: "list", set: "list"}


def _value_kind(value: Any) -> str:
    kind = _KIND_OF_TYPE.get(type(value))  # the plain types, before the isinstance chain
    if kind is not None:
        return kind
    if isinstance(value, (list, tuple, set)):
        return "list"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return "float" if isinstance(value, float) else "string"


class _Columns:
    """The columns of a file's records and the Cypher conversion each needs (list, bool, int,
    float or string), gathered a record at a time so the records need not be kept."""

    def __init__(self, fixed: tuple[str, ...]) -> None:
        self.fixed = fixed
        self.rows = 0
        self._names: set[str] = set()
        self._kinds: dict[str, set[str]] = {}

    def add(self, record: dict[str, Any]) -> None:
        self.rows += 1
        self._names.update(record)
        for name, value in record.items():
            if value is not None:
                self._kinds.setdefault(name, set()).add(_value_kind(value))

    def names(self) -> list[str]:
        extra = self._names - set(self.fixed)
        _check_identifiers(extra)
        return list(self.fixed) + sorted(extra)

    def kinds(self) -> dict[str, str]:
        """Each column's kind: one kind of value throughout, ints and floats together a float
        column, anything else (or nothing) a string."""
        return {name: _column_kind(self._kinds.get(name, set())) for name in self.names()}


def _column_kind(seen: set[str]) -> str:
    """A column's kind from the kinds of its values: one kind throughout, ints and floats
    together a float column, anything else (or nothing) a string."""
    if len(seen) == 1:
        return next(iter(seen))
    return "float" if seen == {"int", "float"} else "string"


def _check_identifiers(names: Iterable[str]) -> None:
    bad = sorted(n for n in names if not _IDENTIFIER.match(n))
    if bad:
        raise Neo4jSinkError(f"Property names {bad} are not plain identifiers; the bundle cannot load them.")


def _convert(column: str, kind: str) -> str:
    field = f"row.`{column}`"
    return {
        "list": f"CASE WHEN {field} IS NULL THEN [] ELSE split({field}, '{LIST_SEPARATOR}') END",
        "bool": f"{field} = 'true'",
        "int": f"toInteger({field})",
        "float": f"toFloat({field})",
        "string": field,
    }[kind]


def _write_csv(path: Path, columns: list[str], records: Iterable[dict[str, Any]]) -> None:
    with atomic_write(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            writer.writerow([_csv_value(record.get(c)) for c in columns])


def _backslash_quotes(path: Path) -> int:
    """How many times a backslash stands before a quote in a written CSV file: each is a value
    that LOAD CSV misreads with legacy quote escaping on (a quote only follows a backslash there
    when the value ends in one, or holds one before a quote, doubled)."""
    with path.open("rb") as handle:
        return sum(chunk.count(b'\\"') for chunk in iter(lambda: handle.read(1 << 24), b""))


def _set_clause(var: str, columns: list[str], kinds: dict[str, str], skip: tuple[str, ...]) -> str:
    parts = [f"{var}.`{c}` = {_convert(c, kinds[c])}" for c in columns if c not in skip]
    return ("SET " + ",\n    ".join(parts)) if parts else ""


def _node_records(graph: nx.DiGraph) -> dict[str, list[dict[str, Any]]]:
    records: dict[str, list[dict[str, Any]]] = {}
    rows = node_rows(graph)  # validates labels and keys the same way as the loader
    for label, label_rows in rows.items():
        out = []
        for row in label_rows:
            record = {"key": row["key"], **row["props"]}
            if label in CONCEPT_LABELS:
                record["aliases"] = row["aliases"]
            out.append(record)
        records[label] = out
    # the loader recomputes concept metrics; the bundle carries the built graph's own
    for label in CONCEPT_LABELS:
        by_key = {r["key"]: r for r in records[label]}
        for node, data in graph.nodes(data=True):
            if data.get("label") == label and node in by_key:
                for prop in ("pagerank", "betweenness", "community", "degree", "paper_count"):
                    if data.get(prop) is not None:
                        by_key[node][prop] = data[prop]
    return records


def _edges_by_type(graph: nx.DiGraph) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
    """Every edge ``(source, target, data)`` grouped by type (one pass over the edges), each
    group sorted by its ends; raises for a type the schema does not know."""
    groups: dict[str, list[tuple[str, str, dict[str, Any]]]] = {rel: [] for rel in _ENDPOINTS}
    for source, target, data in graph.edges(data=True):
        group = groups.get(data.get("type"))
        if group is None:
            raise Neo4jSinkError(
                f"Edge {source!r} -> {target!r} has type {data.get('type')!r}, which the schema does not know."
            )
        group.append((source, target, data))
    for group in groups.values():
        group.sort(key=itemgetter(0, 1))
    return groups


#: value types a CSV writer already writes as the bundle wants (a float as its repr)
_PLAIN_TYPES = frozenset({str, int, float})


def _relationship_columns(edges: list[tuple[str, str, dict[str, Any]]], key_of: dict[str, str]
                          ) -> tuple[dict[str, str], list[list[Any]]]:
    """The columns of one relationship type's file, a column at a time: ``{name: kind}`` in
    file order (``source``, ``target``, then the properties by name) and each column's values.

    Column-wise because a 100k-paper graph has millions of edges: a column's kind comes from
    the set of its values' types, and a column of plain values goes to the CSV writer as it
    is. A property that is ``None`` on every edge has no column (as in the node files).
    """
    names: set[str] = set()
    for shape in {tuple(data) for _, _, data in edges}:
        names.update(shape)
    names.discard("type")
    _check_identifiers(names)
    datas = [data for _, _, data in edges]
    kinds = {"source": "string", "target": "string"}
    values: list[list[Any]] = [[key_of[source] for source, _, _ in edges],
                               [key_of[target] for _, target, _ in edges]]
    for name in sorted(names):
        column = [data.get(name) for data in datas]
        types = set(map(type, column)) - {type(None)}
        if not types:
            continue
        plain = {_KIND_OF_TYPE.get(t) for t in types}
        seen = plain if None not in plain else {_value_kind(v) for v in column if v is not None}
        kinds[name] = _column_kind(seen)
        values.append(column if types <= _PLAIN_TYPES else [_csv_value(v) for v in column])
    return kinds, values


#: name of the bundle's table of contents (read by ``kg push --bulk``, kg.sinks.neo4j_admin)
MANIFEST = "manifest.json"


def _id_space(label: str) -> str:
    # Concepts are one space whatever their type label: load.cypher MERGEs them on :Concept.
    return "Concept" if label in CONCEPT_LABELS else label


def _manifest_entry(file: str, rows: int, kinds: dict[str, str], **fields: Any) -> dict[str, Any]:
    """What a reader needs to load one CSV without the graph: its columns in order, with their
    kinds (list, bool, int, float, string), and its row count."""
    columns = [{"name": name, "kind": kind} for name, kind in kinds.items()]
    return {"file": file, **fields, "rows": rows, "columns": columns}


def write_bundle(graph: nx.DiGraph, out_dir: Path) -> list[str]:
    """Write ``<Label>.csv`` per node label, ``<TYPE>.csv`` per relationship type and
    ``load.cypher`` (schema constraints first, then one LOAD CSV per file) into ``out_dir``.
    Returns what a user of ``load.cypher`` must know: the files holding values that servers
    with legacy quote escaping (Neo4j's default) misread.

    Raises :class:`kg.sinks.neo4j.Neo4jSinkError` for a node or edge outside the schema.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    statements = [s + ";" for s in schema_statements()]
    statements.append("CALL db.awaitIndexes(300);")
    manifest: dict[str, Any] = {"format": 1, "list_separator": LIST_SEPARATOR, "nodes": [], "relationships": []}

    for label, records in _node_records(graph).items():
        if not records:
            continue
        key = NODE_KEYS[label]
        found = _Columns(("key",))
        for record in records:
            found.add(record)
        columns, kinds = found.names(), found.kinds()
        _write_csv(out_dir / f"{label}.csv", columns, records)
        labels = ["Concept", label] if label in CONCEPT_LABELS else [label]
        manifest["nodes"].append(_manifest_entry(f"{label}.csv", found.rows, kinds, labels=labels,
                                                 id_space=_id_space(label), key=key))
        merge = f"MERGE (n:Concept {{id: row.key}})\nSET n:{label}" if label in CONCEPT_LABELS \
            else f"MERGE (n:{label} {{{key}: row.key}})"
        statements.append(
            f"// {found.rows} {label} nodes\n"
            f"LOAD CSV WITH HEADERS FROM 'file:///{label}.csv' AS row\n{merge}\n"
            f"{_set_clause('n', columns, kinds, ('key',))};"
        )

    # edges grouped by type once; each relationship type's rows are made twice (columns, then
    # the file) rather than kept: a 100k-paper graph has millions of edges
    groups = _edges_by_type(graph)
    key_of = {node: _key_of(graph, node) for node in graph}
    for rel, edges in groups.items():
        if not edges:
            continue
        src_label, src_key, dst_label, dst_key = _ENDPOINTS[rel]
        kinds, values = _relationship_columns(edges, key_of)
        columns = list(kinds)
        with atomic_write(out_dir / f"{rel}.csv") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(zip(*values))
        manifest["relationships"].append(_manifest_entry(f"{rel}.csv", len(edges), kinds, type=rel,
                                                         start=_id_space(src_label), end=_id_space(dst_label)))
        statements.append(
            f"// {len(edges)} {rel} relationships\n"
            f"LOAD CSV WITH HEADERS FROM 'file:///{rel}.csv' AS row\n"
            f"MATCH (a:{src_label} {{{src_key}: row.source}})\n"
            f"MATCH (b:{dst_label} {{{dst_key}: row.target}})\n"
            f"MERGE (a)-[r:{rel}]->(b)\n"
            f"{_set_clause('r', columns, kinds, ('source', 'target'))};"
        )

    with atomic_write(out_dir / MANIFEST) as handle:
        handle.write(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    written = [entry["file"] for entry in manifest["nodes"] + manifest["relationships"]]
    misread = {name: count for name in written if (count := _backslash_quotes(out_dir / name))}
    notes = []
    if misread:
        files = ", ".join(f"{name} ({count:,})" for name, count in misread.items())
        notes.append(f"values with a backslash before a quote or at their end in {files}: load.cypher needs "
                     "dbms.import.csv.legacy_quote_escaping=false on the server (kg push reads them right)")
    with atomic_write(out_dir / "load.cypher") as handle:
        handle.write(HEADER + "".join(f"// NOTE: {note}.\n" for note in notes) + "\n"
                     + "\n\n".join(statements) + "\n")
    return notes


__all__ = ["DERIVED_RELATIONSHIPS", "LIST_SEPARATOR", "write_bundle"]
