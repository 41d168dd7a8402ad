"""File sinks: graph.json (node-link), graph.graphml, extractions.jsonl, concepts.json.

Every file is written to a temporary sibling and renamed into place, so a failed run never
leaves a half-written file over a good one from an earlier run.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import networkx as nx

from kg.records import ConceptIndex, PaperExtraction


@contextmanager
def atomic_write(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; on success move it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
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
    """networkx node-link JSON (``edges`` key), readable with :func:`read_graph_json`."""
    data = nx.node_link_data(graph, edges="edges", name=NODE_KEY)
    with atomic_write(path) as handle:
        json.dump(data, handle, ensure_ascii=False)


def read_graph_json(path: Path) -> nx.DiGraph:
    """Read a graph written by :func:`write_graph_json`."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    nodes = data.get("nodes") or []
    # graphs written before the node key was renamed keep it under "id"
    key = NODE_KEY if not nodes or NODE_KEY in nodes[0] else "id"
    return nx.node_link_graph(data, directed=True, multigraph=False, edges="edges", name=key)


def _graphml_value(value: Any) -> Any:
    # GraphML has no list or null type: lists become JSON text, None is left out
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_graphml(graph: nx.DiGraph, path: Path) -> None:
    """GraphML for Gephi, Cytoscape and yEd; list properties are stored as JSON strings."""
    clean = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        clean.add_node(node, **{k: _graphml_value(v) for k, v in data.items() if v is not None})
    for u, v, data in graph.edges(data=True):
        clean.add_edge(u, v, **{k: _graphml_value(x) for k, x in data.items() if x is not None})
    with atomic_write(path, "wb") as handle:
        nx.write_graphml(clean, handle)


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


def read_concepts(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
