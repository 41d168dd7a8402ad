"""File sinks: graph.json (node-link), graph.graphml, extractions.jsonl, concepts.json.

Every file is written to a temporary sibling and renamed into place, so a failed run never
leaves a half-written file over a good one from an earlier run.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import networkx as nx

from kg.pids import remove_dead_writers_files
from kg.records import ConceptIndex, PaperExtraction
from kg.sinks import graphml
from kg.schema import PAPER
from kg.sinks.outputs import TEMP_PREFIX, current


@contextmanager
def atomic_write(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; on success move it over ``path`` (over the file a
    symbolic link ``path`` points to, which stays a link)."""
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    # what writers of this file killed before their rename left beside it (SIGKILL skips
    # their clean-up); a live writer's temporary file stays
    remove_dead_writers_files(path.parent, TEMP_PREFIX, of=path.name)
    # named so that the next run can tell a dead writer's leftover (kg.sinks.outputs.TEMP_PREFIX)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}.{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as handle:
            yield handle
        # mkstemp makes private files; outputs get the usual permissions of the user's umask
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: node-link field holding the node key: not "id", which papers and concepts use as a property
NODE_KEY = "node"


def write_graph_json(graph: nx.DiGraph, path: Path) -> None:
    """networkx node-link JSON (``edges`` key), readable with :func:`read_graph_json`: the
    text ``json.dump(nx.node_link_data(graph, ...))`` gives, written a node and an edge at a
    time (the whole dict of a 100k-paper graph took 780 MiB more than the graph itself)."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    with atomic_write(path) as handle:
        handle.write(f'{{"directed": {dumps(graph.is_directed())}, "multigraph": false, '
                     f'"graph": {dumps(graph.graph)}, "nodes": [')
        _write_items(handle, (dumps({**data, NODE_KEY: node}) for node, data in graph.nodes(data=True)))
        handle.write('], "edges": [')
        _write_items(handle, (dumps({**data, "source": u, "target": v}) for u, v, data in graph.edges(data=True)))
        handle.write("]}")


def _write_items(handle: IO[str], items: Iterable[str]) -> None:
    for number, item in enumerate(items):
        if number:
            handle.write(", ")
        handle.write(item)


class CorruptFileError(ValueError):
    """A file kg wrote and reads back (graph.json, concepts.json) is not what kg writes; the
    message is one sentence that names the file."""


def _load_json(path: Path) -> Any:
    try:
        # current(): a killed run's committed outputs, if their switch awaits completion;
        # opened without waiting, so that a FIFO in its place is refused rather than waited on
        fd = os.open(current(path), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)  # a FIFO, a device (/dev/zero took all the memory there is)
            if stat.S_ISDIR(mode):
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
            raise CorruptFileError(f"{path} is not a regular file, as the one kg writes is.")
        os.set_blocking(fd, True)
        with open(fd, encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as err:
        raise CorruptFileError(f"{path} line {err.lineno} column {err.colno}: not valid JSON ({err.msg}).") from None
    except UnicodeDecodeError as err:
        raise CorruptFileError(f"{path}: not UTF-8 text (byte {err.start}).") from None
    except CorruptFileError:
        raise
    except ValueError:
        # Python refuses integers of more than 4,300 digits, in words meant for programmers
        raise CorruptFileError(f"{path} holds a number far longer than any kg writes.") from None
    except RecursionError:
        raise CorruptFileError(f"{path}: JSON nested too deeply to be kg's.") from None
    except IsADirectoryError:
        raise CorruptFileError(f"{path} is a directory, not a file.") from None
    except FileNotFoundError:
        raise  # the caller knows which command writes the file
    except OSError as err:
        raise CorruptFileError(f"Cannot read {path}: {err.strerror}.") from None


# The attributes kg itself reads back, with the JSON types it wrote them as; other
# attributes are carried along unchecked.
_TEXT, _INT, _NUMBER, _BOOL, _TEXT_LIST = "text", "an integer", "a number", "true or false", "a list of texts"
_NODE_ATTRIBUTES = {
    **dict.fromkeys(("label",), _TEXT),
    **dict.fromkeys(("id", "name", "title", "abstract", "published", "url", "arxiv_id", "source", "type",
                     "host", "owner", "month", "doi", "venue", "paper_id",
                     # a reported result's fields (kg.graph.add_results)
                     "metric", "value", "kind", "task", "evidence", "dataset", "method"), _TEXT),
    **dict.fromkeys(("year", "paper_count", "community", "degree", "upvotes", "author_count"), _INT),
    **dict.fromkeys(("pagerank", "betweenness", "number"), _NUMBER),
    **dict.fromkeys(("concept", "broad", "lower_is_better"), _BOOL),
    "aliases": _TEXT_LIST,
}
_EDGE_ATTRIBUTES = {"type": _TEXT, "evidence": _TEXT, "confidence": _NUMBER, "weight": _NUMBER, "score": _NUMBER}


def _has_type(value: Any, kind: str) -> bool:
    if value is None:
        return True
    if kind == _TEXT:
        return isinstance(value, str)
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == _NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == _BOOL:
        return isinstance(value, bool)
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_attributes(path: Path, what: str, item: dict[str, Any], schema: dict[str, str]) -> None:
    for name, kind in schema.items():
        if name in item and not _has_type(item[name], kind):
            raise CorruptFileError(f"{path}: {what} has {name} {item[name]!r:.40}, not {kind}.")


def _check_node_link(path: Path, data: Any) -> str:
    """Check the node-link data kg wrote; returns the field that holds the node keys."""
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        raise CorruptFileError(f"{path}: not a node-link graph written by `kg build` (no list of nodes).")
    if "edges" not in data:
        raise CorruptFileError(f"{path}: not a node-link graph written by `kg build` (no list of edges).")
    edges = data["edges"]
    if not isinstance(edges, list):
        raise CorruptFileError(f"{path}: 'edges' is not a list.")
    nodes = data["nodes"]
    # graphs written before the node key was renamed keep it under "id": only when no node has
    # the new key, so that one node without it is named, not the next one
    key = NODE_KEY if any(isinstance(node, dict) and NODE_KEY in node for node in nodes) or not nodes else "id"
    seen = set()
    for number, node in enumerate(nodes, 1):
        if not isinstance(node, dict) or not isinstance(node.get(key), (str, int)) or isinstance(node.get(key), bool):
            raise CorruptFileError(f"{path}: node {number} has no {key!r} key (text or integer).")
        if not isinstance(node.get("label"), str):
            raise CorruptFileError(f"{path}: node {node[key]!r:.60} has no label.")
        _check_attributes(path, f"node {node[key]!r:.60}", node, _NODE_ATTRIBUTES)
        seen.add(node[key])
    for number, edge in enumerate(edges, 1):
        if not isinstance(edge, dict):
            raise CorruptFileError(f"{path}: edge {number} is not an object.")
        for end in ("source", "target"):
            value = edge.get(end)
            if isinstance(value, (list, dict)) or value not in seen:
                raise CorruptFileError(f"{path}: edge {number} has {end} {value!r:.60}, which is not a node.")
        _check_attributes(path, f"edge {number}", edge, _EDGE_ATTRIBUTES)
    return key


def read_graph_json(path: Path) -> nx.DiGraph:
    """Read a graph written by :func:`write_graph_json`.

    Raises :class:`CorruptFileError` (naming the file) when it is not such a graph.
    """
    data = _load_json(path)
    key = _check_node_link(path, data)
    # kg's graph is a directed simple graph whatever flags a hand-edited file carries (networkx
    # would follow them, and an undirected graph has no out-edges for the readers)
    data.update(directed=True, multigraph=False)
    return nx.node_link_graph(data, directed=True, multigraph=False, edges="edges", name=key)


def _graphml_value(value: Any) -> Any:
    # GraphML has no list or null type: lists become JSON text, None is left out
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _graphml_node_data(node: str, data: dict[str, Any]) -> dict[str, Any]:
    attrs = {k: _graphml_value(v) for k, v in data.items() if v is not None}
    # A data key named "id" clashes with the node ids in readers such as python-igraph, which
    # keep those ids in an "id" attribute: a paper's id is written as "paper_id", and a
    # concept's, which is its node id already, is left out.
    if "id" in attrs:
        value = attrs.pop("id")
        if value != node:
            attrs["paper_id" if data.get("label") == PAPER else "kg_id"] = value
    return attrs


def write_graphml(graph: nx.DiGraph, path: Path) -> None:
    """GraphML for Gephi, Cytoscape and yEd; list properties are stored as JSON strings, and
    a paper's ``id`` property as ``paper_id`` (node ids are the graph's node keys)."""
    with atomic_write(path) as handle:
        graphml.write_graphml(
            graph,
            handle,
            node_transform=lambda item: (item[0], _graphml_node_data(*item)),
            edge_transform=lambda item: (item[0], item[1], {k: _graphml_value(x) for k, x in item[2].items()}),
        )


def write_extractions(extractions: Iterable[PaperExtraction], path: Path) -> None:
    """The extraction contract of DESIGN.md, one JSON line per paper."""
    with atomic_write(path) as handle:
        for extraction in extractions:
            handle.write(json.dumps(extraction.to_contract(), ensure_ascii=False) + "\n")


def write_concepts(index: ConceptIndex, path: Path) -> None:
    """Canonical concepts with their aliases, paper ids and merge reasons (for ``kg concepts``)."""
    rows = sorted(
        (c.as_dict() for c in index.concepts.values()),
        key=lambda row: (-row["paper_count"], row["id"]),
    )
    with atomic_write(path) as handle:
        json.dump(rows, handle, ensure_ascii=False, indent=1)


_CONCEPT_FIELDS = {"id": _TEXT, "type": _TEXT, "name": _TEXT, "aliases": _TEXT_LIST, "broad": _BOOL,
                   "paper_count": _INT}


def read_concepts(path: Path) -> list[dict[str, Any]]:
    """Read the rows written by :func:`write_concepts`.

    Raises :class:`CorruptFileError` (naming the file) when they are not such rows.
    """
    rows = _load_json(path)
    if not isinstance(rows, list):
        raise CorruptFileError(f"{path}: not a list of concepts written by `kg build`.")
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise CorruptFileError(f"{path}: concept {number} is not an object.")
        for name, kind in _CONCEPT_FIELDS.items():
            if row.get(name) is None or not _has_type(row[name], kind):
                raise CorruptFileError(f"{path}: concept {number} has no {name} ({kind}).")
        merged = row.get("merged")
        if not isinstance(merged, dict) or not all(isinstance(v, str) for v in merged.values()):
            raise CorruptFileError(f"{path}: concept {number} has 'merged' that is not an object of texts.")
    return rows
