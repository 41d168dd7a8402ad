"""Neo4j sink: the only code in kg that speaks Cypher to a server.

:func:`load_graph` writes a graph of :mod:`kg.graph` with ``MERGE``, in ``UNWIND $rows`` batches
run by ``session.execute_write`` (so the driver retries a batch on a transient error). There is
one fixed query per node label and per relationship type: labels and relationship types come
from the whitelists below, never from data, and every value travels as a parameter.

Loading is idempotent (loading the same graph twice changes nothing) and incremental (papers
loaded later link to the concept nodes already there). Afterwards the whole-graph properties
are refreshed from what the database now holds: ``paper_count`` in Cypher; PageRank,
betweenness, communities, ``CO_OCCURS`` and ``SIMILAR_TO`` by reading the paper -> concept
edges back into networkx and running :func:`kg.analytics.annotate` on them. Because every step
is a ``MERGE`` or a recomputation, a load that was interrupted midway (server stopped, Ctrl-C)
reaches the same final graph when it is simply run again.
"""

from __future__ import annotations

import itertools
import json
import re
import ssl
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import networkx as nx
from neo4j import Driver, GraphDatabase
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConfigurationError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
)

from kg import schema
from kg.graph import paper_key

#: called as ``progress(stage, done, total)`` while loading
Progress = Callable[[str, int, int], None]


def _cypher_folder() -> Path:
    # An installed wheel carries cypher/ as the package kg.cypher; a source checkout has it at
    # the top level (DESIGN.md's layout).
    installed = Path(__file__).resolve().parents[1] / "cypher"
    checkout = Path(__file__).resolve().parents[2] / "cypher"
    return installed if (installed / "schema.cypher").is_file() else checkout


#: the shipped Cypher: schema.cypher and the ready queries under queries/
CYPHER_FOLDER = _cypher_folder()
SCHEMA_FILE = CYPHER_FOLDER / "schema.cypher"
QUERIES_FOLDER = CYPHER_FOLDER / "queries"


def shipped_query(name: str) -> Path | None:
    """The ready query ``name`` names ("top_concepts", "top_concepts.cypher" or
    "cypher/queries/top_concepts.cypher", as the docs write it), wherever kg is installed."""
    stem = Path(name).name
    path = QUERIES_FOLDER / (stem if stem.endswith(".cypher") else f"{stem}.cypher")
    return path if path.is_file() else None

# The whitelists of labels and relationship types are the schema's (kg.schema).
#: node label -> the property that identifies a node of that label
NODE_KEYS: dict[str, str] = schema.NODE_KEYS
CONCEPT_LABELS = schema.CONCEPT_NODE_LABELS
#: relationship type -> label of its target node
RELATIONSHIP_TARGETS: dict[str, str] = {rel: ends[1] for rel, ends in schema.RELATION_ENDS.items()}
#: relationship type -> label of its source node (a :Paper, or a :Result for ON, OF, MEASURED_BY)
RELATIONSHIP_SOURCES: dict[str, str] = {rel: ends[0] for rel, ends in schema.RELATION_ENDS.items()}
CONCEPT_RELATIONSHIPS = schema.CONCEPT_RELATION_ORDER
#: relationship types that analytics derive; never loaded from a graph, always recomputed
DERIVED_RELATIONSHIPS = schema.DERIVED_RELATIONS
#: ``PROPOSES|USES|...`` for a Cypher relationship pattern (names from the schema, not data)
_CONCEPT_TYPES_PATTERN = "|".join(CONCEPT_RELATIONSHIPS)
#: concept properties that analytics own (recomputed over the whole database after a load)
DERIVED_CONCEPT_PROPERTIES = ("pagerank", "betweenness", "community", "degree", "paper_count")
#: node attributes of the in-memory graph that are not Neo4j properties
_NOT_PROPERTIES = frozenset({"label", "concept"})

# One statement per label: the label is part of the text, the data only ever in $rows.
_MERGE_PAPER = "UNWIND $rows AS row MERGE (n:Paper {id: row.key}) SET n += row.props"
_MERGE_REPO = "UNWIND $rows AS row MERGE (n:Repo {url: row.key}) SET n += row.props"
_MERGE_AUTHOR = "UNWIND $rows AS row MERGE (n:Author {name: row.key}) SET n += row.props"
# A result belongs wholly to its paper's extraction: its properties are replaced, not merged,
# so a re-extracted paper leaves no stale dataset or method behind.
_MERGE_RESULT = "UNWIND $rows AS row MERGE (n:Result {id: row.key}) SET n = row.props"
# Results a paper no longer reports (the extraction changed) go before the new ones are written.
_DELETE_STALE_RESULTS = """
UNWIND $rows AS row
MATCH (:Paper {id: row.paper})-[:REPORTS_RESULT]->(r:Result)
WHERE NOT r.id IN row.keep
DETACH DELETE r
"""
# A paper's links are its extraction's too: the ones a re-extracted paper no longer has (a
# concept it no longer names, a repo or author its record dropped) go before the new ones are
# written. The types are the schema's, written here from code; the data only ever in $rows.
_LINK_TYPES: tuple[str, ...] = (*schema.CONCEPT_RELATION_ORDER, schema.HAS_CODE, schema.AUTHORED_BY, schema.CITES)
_DELETE_STALE_LINKS = f"""
UNWIND $rows AS row
MATCH (:Paper {{id: row.paper}})-[r:{'|'.join(_LINK_TYPES)}]->(x)
WHERE NOT type(r) + ' ' + coalesce(x.id, x.url, x.name) IN row.keep
DELETE r
"""
# Concepts MERGE on :Concept (whose id constraint is the one that enforces uniqueness) and then
# get their type label. Aliases are united with those already stored, so a later, smaller
# corpus never forgets an alias an earlier load taught; the union is stable, hence idempotent.
_MERGE_CONCEPT = """
UNWIND $rows AS row
MERGE (n:Concept {{id: row.key}})
SET n:{label}
SET n += row.props
SET n.aliases = [a IN coalesce(n.aliases, []) WHERE NOT a IN row.aliases] + row.aliases
"""
NODE_QUERIES: dict[str, str] = {
    schema.PAPER: _MERGE_PAPER,
    schema.REPO: _MERGE_REPO,
    schema.AUTHOR: _MERGE_AUTHOR,
    schema.RESULT: _MERGE_RESULT,
    **{label: _MERGE_CONCEPT.format(label=label) for label in CONCEPT_LABELS},
}
_MERGE_RELATIONSHIP = """
UNWIND $rows AS row
MATCH (p:{source} {{{source_key}: row.source}})
MATCH (t:{target} {{{key}: row.target}})
MERGE (p)-[r:{type}]->(t)
SET r += row.props
"""
RELATIONSHIP_QUERIES: dict[str, str] = {
    rel: _MERGE_RELATIONSHIP.format(
        source=RELATIONSHIP_SOURCES[rel], source_key=NODE_KEYS[RELATIONSHIP_SOURCES[rel]],
        target=target, key="id" if target == "Concept" else NODE_KEYS[target], type=rel,
    )
    for rel, target in RELATIONSHIP_TARGETS.items()
}

_PAPER_COUNT = f"""
MATCH (c:Concept)
OPTIONAL MATCH (p:Paper)-[:{_CONCEPT_TYPES_PATTERN}]->(c)
WITH c, count(DISTINCT p) AS papers
SET c.paper_count = papers
"""
_READ_PAPERS = "MATCH (p:Paper) RETURN p.id AS id, p.year AS year, p.title AS title"
_READ_CONCEPTS = """
MATCH (c:Concept)
RETURN c.id AS id, [l IN labels(c) WHERE l <> 'Concept'][0] AS label, c.name AS name,
       c.type AS type, coalesce(c.broad, false) AS broad
"""
_READ_LINKS = f"""
MATCH (p:Paper)-[r:{_CONCEPT_TYPES_PATTERN}]->(c:Concept)
RETURN p.id AS paper, type(r) AS type, c.id AS concept
"""
_READ_CITATIONS = "MATCH (a:Paper)-[:CITES]->(b:Paper) RETURN a.id AS citing, b.id AS cited"
_SET_CONCEPT_METRICS = """
UNWIND $rows AS row
MATCH (c:Concept {id: row.id})
SET c += row.props
"""
_DELETE_DERIVED: dict[str, str] = {
    rel: f"MATCH ()-[r:{rel}]->() WITH r LIMIT $limit DELETE r RETURN count(*) AS deleted"
    for rel in DERIVED_RELATIONSHIPS
}
_MERGE_CO_OCCURS = """
UNWIND $rows AS row
MATCH (a:Concept {id: row.source})
MATCH (b:Concept {id: row.target})
CREATE (a)-[:CO_OCCURS {weight: row.weight}]->(b)
"""
_MERGE_SIMILAR_TO = """
UNWIND $rows AS row
MATCH (a:Paper {id: row.source})
MATCH (b:Paper {id: row.target})
CREATE (a)-[:SIMILAR_TO {score: row.score}]->(b)
"""
_DELETE_ALL = "MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"
# Concepts, repos and authors that no relationship holds any more (the one paper that named a
# concept dropped it): left, they would show up in search with 0 papers. The derived relations
# do not hold a node, since kg recomputes them; a relationship of the user's own does.
_DELETE_ORPHANS = f"""
MATCH (n) WHERE (n:{schema.CONCEPT} OR n:{schema.REPO} OR n:{schema.AUTHOR})
  AND NOT EXISTS {{ MATCH (n)-[r]-() WHERE NOT type(r) IN [{', '.join(repr(t) for t in sorted(schema.DERIVED_RELATIONS))}] }}
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
"""
# Papers of earlier loads that the graph being loaded does not hold (a rebuild dropped or
# retitled them, or another corpus was pushed into the same database): read, then, when the
# user asks, deleted with their results; the concepts only they named go with the orphans.
_READ_PAPER_IDS = "MATCH (p:Paper) RETURN p.id AS id"
_DELETE_PAPER_RESULTS = """
UNWIND $rows AS row
MATCH (:Paper {id: row.id})-[:REPORTS_RESULT]->(r:Result)
DETACH DELETE r
"""
_DELETE_PAPERS = """
UNWIND $rows AS row
MATCH (p:Paper {id: row.id})
DETACH DELETE p
"""
_COUNT_LABEL = "MATCH (n:{label}) RETURN count(n) AS n"
_COUNT_TYPE = "MATCH ()-[r:{type}]->() RETURN count(r) AS n"


class Neo4jSinkError(Exception):
    """A Neo4j problem explained in one sentence (the CLI shows it without a traceback)."""


@dataclass
class LoadReport:
    """What one :func:`load_graph` call sent: rows per label / relationship type."""

    nodes: dict[str, int]
    relationships: dict[str, int]
    derived: dict[str, int]
    orphans_deleted: int = 0
    #: papers of earlier loads that the loaded graph does not hold: deleted (``prune``) ...
    papers_pruned: int = 0
    #: ... or left in the database, counted
    papers_not_loaded: int = 0

    @property
    def total(self) -> int:
        return sum(self.nodes.values()) + sum(self.relationships.values())


# --------------------------------------------------------------------------- connection

#: the Bolt schemes kg speaks (the driver's http:// support is a preview that needs aiohttp)
URI_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def redact_uri(uri: str) -> str:
    """``uri`` with its user info (but a user name before a password), the values of its query
    (a routing context) and its fragment replaced by ``***``, for messages and logs: a token
    may have been put in any of them."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return uri
    rest, hash_sign, fragment = rest.partition("#")
    rest, question, query = rest.partition("?")
    if question:
        # a value, or an item without "=" ("?TOKEN"), may be a secret
        query = "&".join(f"{name}={'***' if value else ''}" if equals else ("***" if name else "")
                         for name, equals, value in (item.partition("=") for item in query.split("&")))
    if "@" in rest:
        # everything before the last "@" counts as user info: redacting too much beats too little;
        # a user name alone may be a token ("TOKEN@host"), so it goes too
        userinfo, _, host = rest.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        rest = f"{user}:***@{host}" if colon else f"***@{host}"
    return f"{scheme}://{rest}{question}{query}{hash_sign}{'***' if fragment else ''}"


def _uri_secrets(uri: str) -> list[str]:
    """What :func:`redact_uri` hides in ``uri``: user info, query values and items, fragment."""
    _, sep, rest = uri.partition("://")
    if not sep:
        return []
    rest, _, fragment = rest.partition("#")
    rest, _, query = rest.partition("?")
    secrets = [fragment, rest.rpartition("@")[0] if "@" in rest else ""]
    for item in query.split("&"):
        name, equals, value = item.partition("=")
        secrets.append(value if equals else name)
    return [secret for secret in secrets if len(secret) >= 2]


def redact_uri_in(text: str, uri: str) -> str:
    """A driver's message with the URI it may quote shown as :func:`redact_uri` shows it, and
    each secret of the URI hidden wherever else it stands, however the message escapes it (the
    driver quotes the URI with backslashes doubled)."""
    if not uri:
        return text
    text = text.replace(uri, redact_uri(uri))
    for secret in sorted(_uri_secrets(uri), key=len, reverse=True):
        for form in (secret, repr(secret)[1:-1], secret.replace("\\", "\\\\")):
            text = text.replace(form, "***")
    return text


def check_uri(uri: str) -> None:
    """Refuse, in one sentence naming the (redacted) URI, anything but a Bolt URI with a host:
    other schemes, credentials in the URI, a bad port."""
    shown = redact_uri(uri)
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme.lower() not in URI_SCHEMES:
        hint = (" (that is Neo4j Browser's address; Bolt listens on port 7687)"
                if scheme.lower() in ("http", "https") else "")
        raise Neo4jSinkError(
            f"Neo4j URI {shown!r} is not a Bolt URI{hint}: use bolt://HOST:PORT "
            f"(or {', '.join(s + '://' for s in URI_SCHEMES[1:])})."
        )
    if "@" in rest.split("?", 1)[0]:
        raise Neo4jSinkError(
            f"Neo4j URI {shown!r} holds credentials: give the user with --user / KG_NEO4J_USER "
            "and the password with KG_NEO4J_PASSWORD instead."
        )
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as err:
        raise Neo4jSinkError(f"Neo4j URI {shown!r} is not valid: {err}.") from None
    if not parts.hostname:
        raise Neo4jSinkError(f"Neo4j URI {shown!r} names no host: use bolt://HOST:PORT.")


def _causes(err: BaseException) -> list[BaseException]:
    """``err`` and every error behind it: causes, and the members of exception groups (the
    routing driver of neo4j:// gathers one error per router it asked)."""
    found: list[BaseException] = []
    todo: list[BaseException | None] = [err]
    while todo:
        current = todo.pop()
        if current is None or any(current is seen for seen in found):
            continue
        found.append(current)
        todo += [current.__cause__, current.__context__, *getattr(current, "exceptions", ())]
    return found


def _unavailable_reason(err: ServiceUnavailable, shown: str) -> str:
    """What to tell the user when the driver found no Bolt server: the driver's own message
    blames every failure on a server that is not running, while a TLS scheme against a plain
    server and Browser's HTTP port are found running and want another URI."""
    chain = _causes(err)
    if any(isinstance(cause, ssl.SSLCertVerificationError) for cause in chain):
        return (
            f"Neo4j at {shown} sent a TLS certificate this machine does not trust: "
            "bolt+ssc:// or neo4j+ssc:// accept a self-signed one."
        )
    if any(isinstance(cause, ssl.SSLError) for cause in chain):
        return (
            f"Neo4j at {shown} did not answer the encrypted connection that {shown.split('://')[0]}:// asks for: "
            "a server without TLS (such as scripts/neo4j-local) takes bolt:// or neo4j://."
        )
    if any("looks like HTTP" in str(cause) for cause in chain):
        if urlsplit(shown).port in (None, 7687):
            # Bolt's own port answered by a web server: a proxy in the way, or another service
            return f"{shown} answers HTTP, not Bolt: what listens there is a web server or a proxy, not Neo4j."
        return (
            f"{shown} answers HTTP, not Bolt: that is Neo4j Browser's port; "
            "Bolt listens on another port (7687 by default)."
        )
    return (
        f"Cannot reach Neo4j at {shown}: is the server running? "
        "(start one with scripts/neo4j-local start, or docker compose -f docker/compose.yml up -d)"
    )


def connect(uri: str, user: str, password: str | None, database: str | None = None) -> Driver:
    """Open a driver and check that the server answers and accepts the credentials.

    Raises :class:`Neo4jSinkError` naming the URI (never the password) when the URI is not a
    Bolt URI (:func:`check_uri`), the server is down, the credentials are wrong or the database
    does not exist.
    """
    check_uri(uri)
    shown = redact_uri(uri)
    if not password:
        raise Neo4jSinkError(
            f"No password for Neo4j at {shown}: set KG_NEO4J_PASSWORD "
            "(for scripts/neo4j-local, the one its --help and the README give)."
        )
    try:
        # kg's own statements are fixed and known: the server's notifications (such as "this
        # relationship type does not exist yet" on a first load) would only be noise.
        driver = GraphDatabase.driver(uri, auth=(user, password), notifications_min_severity="OFF")
    except (ConfigurationError, ValueError) as err:
        raise Neo4jSinkError(f"Invalid Neo4j URI {shown!r}: {redact_uri_in(str(err), uri)}") from None
    try:
        driver.verify_connectivity()
        # verify_connectivity only reaches the server; this also checks the database name.
        driver.execute_query("RETURN 1", database_=database)
    except AuthError:
        driver.close()
        raise Neo4jSinkError(
            f"Neo4j at {shown} refused user {user!r}: wrong user or password "
            "(check KG_NEO4J_USER / KG_NEO4J_PASSWORD)."
        ) from None
    except ServiceUnavailable as err:
        driver.close()
        raise Neo4jSinkError(_unavailable_reason(err, shown)) from None
    except ClientError as err:
        driver.close()
        if err.code and "DatabaseNotFound" in err.code:
            raise Neo4jSinkError(f"Neo4j at {shown} has no database {database!r}.") from None
        raise Neo4jSinkError(f"Neo4j at {shown} refused the connection: {redact_uri_in(str(err.message), uri)}") from None
    except DriverError as err:
        driver.close()
        raise Neo4jSinkError(f"Cannot use Neo4j at {shown}: {redact_uri_in(str(err), uri)}") from None
    return driver


# --------------------------------------------------------------------------- schema


def split_statements(text: str) -> list[str]:
    """Split a Cypher script on ``;`` outside strings and comments; drop empty statements."""
    statements: list[str] = []
    current: list[str] = []
    i, quote = 0, ""
    while i < len(text):
        ch = text[i]
        if quote:
            current.append(ch)
            if ch == "\\" and i + 1 < len(text):
                current.append(text[i + 1])
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
            current.append(ch)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif ch == ";":
            statements.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    statements.append("".join(current).strip())
    return [s for s in statements if s]


def schema_statements(path: Path = SCHEMA_FILE) -> list[str]:
    """The statements of ``cypher/schema.cypher``."""
    return split_statements(path.read_text(encoding="utf-8"))


def apply_schema(driver: Driver, database: str | None = None, path: Path = SCHEMA_FILE) -> None:
    """Create the constraints and indexes of ``cypher/schema.cypher`` (all IF NOT EXISTS)
    and wait until they are online."""
    # Schema statements cannot share a transaction with writes; each runs on its own.
    with driver.session(database=database) as session:
        for statement in schema_statements(path):
            session.run(statement).consume()
        session.run("CALL db.awaitIndexes(300)").consume()


# --------------------------------------------------------------------------- rows


def _property_value(value: Any) -> Any:
    """A value Neo4j can store: primitives, homogeneous lists of primitives; else JSON text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple, set)):
        items = [v for v in value if v is not None]
        if all(isinstance(v, str) for v in items):
            return [str(v) for v in items]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in items):
            return list(items)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _props(data: Mapping[str, Any], skip: Iterable[str] = ()) -> dict[str, Any]:
    skipped = _NOT_PROPERTIES.union(skip)
    # None is left out rather than sent: SET += null would erase what an earlier load stored.
    # So is "": empty text says nothing, and a CSV field (the import bundle) cannot tell it
    # from a missing value, so both ways into Neo4j store the same properties.
    return {
        k: _property_value(v)
        for k, v in data.items()
        if k not in skipped and v is not None and v != ""
    }


def _nodes_by_label(graph: nx.DiGraph) -> dict[str, list[str]]:
    """The nodes of each label, sorted; :class:`Neo4jSinkError` for a node whose label is not in
    the schema or that lacks its key property."""
    nodes: dict[str, list[str]] = {label: [] for label in NODE_KEYS}
    for node in sorted(graph.nodes):
        data = graph.nodes[node]
        label = data.get("label")
        if label not in NODE_KEYS:
            raise Neo4jSinkError(f"Node {node!r} has label {label!r}, not one of {sorted(NODE_KEYS)}.")
        if not (data.get(NODE_KEYS[label]) or _key_from_node(node, label)):
            raise Neo4jSinkError(f"Node {node!r} ({label}) has no {NODE_KEYS[label]!r} property.")
        nodes[label].append(node)
    return nodes


def _node_row(graph: nx.DiGraph, node: str, label: str) -> dict[str, Any]:
    data = graph.nodes[node]
    key = data.get(NODE_KEYS[label]) or _key_from_node(node, label)
    derived = DERIVED_CONCEPT_PROPERTIES if label in CONCEPT_LABELS else ()
    row: dict[str, Any] = {"key": key, "props": _props(data, derived)}
    if label in CONCEPT_LABELS or label == schema.RESULT:
        row["props"]["id"] = key
    if label in CONCEPT_LABELS:
        row["aliases"] = row["props"].pop("aliases", [])
    return row


def iter_node_rows(graph: nx.DiGraph) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """``(label, [{"key": ..., "props": {...}}])`` one label at a time, in a stable order: a
    label's rows are made when it is its turn, so a big graph never holds all rows at once.

    Raises :class:`Neo4jSinkError` (before any row is made) for a node whose label is not in the
    schema or that lacks its key property.
    """
    for label, nodes in _nodes_by_label(graph).items():
        yield label, [_node_row(graph, node, label) for node in nodes]


def node_rows(graph: nx.DiGraph) -> dict[str, list[dict[str, Any]]]:
    """``{label: [{"key": ..., "props": {...}}]}`` for every node (:func:`iter_node_rows`, all
    at once)."""
    return dict(iter_node_rows(graph))


def _key_from_node(node: str, label: str) -> str | None:
    # A graph read back from node-link JSON loses an ``id`` attribute (the format keeps node
    # keys under "id"), so the key is recovered from the node key, which kg.graph derives from it.
    if label in CONCEPT_LABELS or label == schema.RESULT:
        return node
    prefix = {schema.PAPER: "paper:", schema.REPO: "repo:", schema.AUTHOR: "author:"}[label]
    return node[len(prefix) :] if node.startswith(prefix) else None


def _key_of(graph: nx.DiGraph, node: str) -> str:
    data = graph.nodes[node]
    label = data.get("label")
    return data.get(NODE_KEYS.get(label, "id")) or _key_from_node(node, label) or node


def _edges_by_type(graph: nx.DiGraph) -> dict[str, list[tuple[str, str]]]:
    """The loadable edges of each type, sorted (the derived ``CO_OCCURS`` / ``SIMILAR_TO`` are
    left to the refresh step); :class:`Neo4jSinkError` for an edge of an unknown type or from
    the wrong kind of node."""
    edges: dict[str, list[tuple[str, str]]] = {rel: [] for rel in RELATIONSHIP_TARGETS}
    for source, target, rel in graph.edges(data="type"):
        if rel in DERIVED_RELATIONSHIPS:
            continue
        if rel not in RELATIONSHIP_TARGETS:
            raise Neo4jSinkError(
                f"Edge {source!r} -> {target!r} has type {rel!r}, not one of "
                f"{sorted(RELATIONSHIP_TARGETS) + list(DERIVED_RELATIONSHIPS)}."
            )
        expected = RELATIONSHIP_SOURCES[rel]
        if graph.nodes[source].get("label") != expected:
            raise Neo4jSinkError(
                f"Edge {source!r} -[{rel}]-> {target!r} does not start at a {expected.lower()}."
            )
        edges[rel].append((source, target))
    for pairs in edges.values():
        pairs.sort()
    return edges


def iter_relationship_rows(graph: nx.DiGraph) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """``(type, [{"source": source key, "target": key, "props": {...}}])`` one relationship type
    at a time (sources are papers, or results for ``ON``, ``OF`` and ``MEASURED_BY``)."""
    for rel, pairs in _edges_by_type(graph).items():
        yield rel, [
            {"source": _key_of(graph, source), "target": _key_of(graph, target),
             "props": _props(graph.edges[source, target], ("type",))}
            for source, target in pairs
        ]


def relationship_rows(graph: nx.DiGraph) -> dict[str, list[dict[str, Any]]]:
    """``{type: [row]}`` for every loadable edge (:func:`iter_relationship_rows`, all at once)."""
    return dict(iter_relationship_rows(graph))


def check_graph(graph: nx.DiGraph) -> None:
    """Raise :class:`Neo4jSinkError` for anything :func:`load_graph` would refuse, without
    making a row: a push checks this before it deletes or writes anything."""
    _nodes_by_label(graph)
    _edges_by_type(graph)


def stale_result_rows(graph: nx.DiGraph) -> list[dict[str, Any]]:
    """``[{"paper": id, "keep": [result ids]}]`` for every paper of ``graph``: the results it
    reports now; any other result stored for it is stale."""
    return _kept_by_paper(graph, {schema.REPORTS_RESULT}, lambda rel, key: key)


def stale_link_rows(graph: nx.DiGraph) -> list[dict[str, Any]]:
    """``[{"paper": id, "keep": ["USES method:x", ...]}]`` for every paper of ``graph``: the
    links it has now (type and target key); any other stored link of those types is stale."""
    return _kept_by_paper(graph, set(_LINK_TYPES), lambda rel, key: f"{rel} {key}")


def _kept_by_paper(graph: nx.DiGraph, types: set[str], name: Callable[[str, str], str]) -> list[dict[str, Any]]:
    rows = []
    for node in sorted(graph.nodes):
        if graph.nodes[node].get("label") != schema.PAPER:
            continue
        keep = sorted(
            name(rel, _key_of(graph, target)) for _, target, rel in graph.out_edges(node, data="type")
            if rel in types
        )
        rows.append({"paper": _key_of(graph, node), "keep": keep})
    return rows


# --------------------------------------------------------------------------- writing


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    rows = iter(rows)
    while batch := list(itertools.islice(rows, size)):
        yield batch


def _run_rows(tx: Any, query: str, rows: list[dict[str, Any]]) -> None:
    tx.run(query, rows=rows).consume()


def write_batches(
    driver: Driver,
    query: str,
    rows: Iterable[dict[str, Any]],
    database: str | None = None,
    batch_size: int = 1000,
    progress: Progress | None = None,
    stage: str = "",
    total: int | None = None,
) -> int:
    """Run ``query`` (which starts with ``UNWIND $rows``) once per batch, each batch in its own
    managed write transaction. ``rows`` may be a generator (``total`` is then its length, for
    the progress callback), so that only one batch of rows exists at a time. Returns the number
    of rows sent."""
    if total is None:
        total = len(rows) if isinstance(rows, Sized) else 0
    done = 0
    with driver.session(database=database) as session:
        for batch in _batches(rows, batch_size):
            session.execute_write(_run_rows, query, batch)
            done += len(batch)
            if progress:
                progress(stage, done, max(total, done))
    return done


def _delete_in_batches(driver: Driver, query: str, database: str | None, limit: int) -> int:
    def step(tx: Any) -> int:
        return int(tx.run(query, limit=limit).single()["deleted"])

    total = 0
    with driver.session(database=database) as session:
        while True:
            deleted = session.execute_write(step)
            total += deleted
            if deleted < limit:
                return total


def empty_graph(driver: Driver, database: str | None = None, batch_size: int = 10000) -> int:
    """Delete every node and relationship (constraints and indexes stay). Returns nodes deleted."""
    return _delete_in_batches(driver, _DELETE_ALL, database, batch_size)


def load_graph(
    driver: Driver,
    graph: nx.DiGraph,
    database: str | None = None,
    batch_size: int = 1000,
    progress: Progress | None = None,
    *,
    include_broad: bool = False,
    similar_top_k: int = 5,
    refresh: bool = True,
    prune: bool = False,
) -> LoadReport:
    """MERGE ``graph`` (schema of :mod:`kg.graph`) into Neo4j, then refresh derived properties.

    Parameters
    ----------
    driver : an open driver (see :func:`connect`); the schema should be applied first.
    graph : the graph to load; its own ``CO_OCCURS`` / ``SIMILAR_TO`` edges and concept metrics
        are ignored because they are recomputed over everything the database holds.
    database : target database (``None``: the server's default).
    batch_size : rows per ``UNWIND`` transaction.
    progress : optional ``progress(stage, done, total)`` callback.
    include_broad, similar_top_k : passed to :func:`kg.analytics.annotate` by the refresh.
    refresh : recompute the whole-graph properties afterwards (benchmarks turn it off).
    prune : delete the papers (and their results) that the database holds and ``graph`` does
        not, once ``graph`` is loaded; without it they stay and are counted in the report.

    Returns
    -------
    A :class:`LoadReport` with the rows sent per label and relationship type.
    """
    check_graph(graph)  # a bad node or edge is refused before anything is written
    stale = stale_result_rows(graph)
    if stale:
        write_batches(driver, _DELETE_STALE_RESULTS, stale, database, batch_size, progress, "stale results")
        write_batches(driver, _DELETE_STALE_LINKS, stale_link_rows(graph), database, batch_size, progress,
                      "stale links")
    # one label or type's rows at a time: a 100k-paper graph has millions of them
    sent_nodes = {
        label: write_batches(driver, NODE_QUERIES[label], rows, database, batch_size, progress, label)
        for label, rows in iter_node_rows(graph)
        if rows
    }
    sent_rels = {
        rel: write_batches(driver, RELATIONSHIP_QUERIES[rel], rows, database, batch_size, progress, rel)
        for rel, rows in iter_relationship_rows(graph)
        if rows
    }
    # after the load, so that a failed run has lost nothing the rerun would not put back
    others = papers_not_in(driver, graph, database)
    if prune and others:
        rows = [{"id": paper} for paper in others]
        write_batches(driver, _DELETE_PAPER_RESULTS, rows, database, batch_size, progress, "results of pruned papers")
        write_batches(driver, _DELETE_PAPERS, rows, database, batch_size, progress, "pruned papers")
    orphans = delete_orphans(driver, database)
    derived = refresh_derived(driver, database, batch_size, progress, include_broad, similar_top_k) if refresh else {}
    return LoadReport(sent_nodes, sent_rels, derived, orphans,
                      papers_pruned=len(others) if prune else 0, papers_not_loaded=0 if prune else len(others))


def papers_not_in(driver: Driver, graph: nx.DiGraph, database: str | None = None) -> list[str]:
    """The ids of the papers stored in the database that ``graph`` does not hold, sorted."""
    loaded = {_key_of(graph, node) for node, label in graph.nodes(data="label") if label == schema.PAPER}
    records, _, _ = driver.execute_query(_READ_PAPER_IDS, database_=database, routing_="r")
    return sorted(rec["id"] for rec in records if rec["id"] not in loaded)


def delete_orphans(driver: Driver, database: str | None = None, batch_size: int = 10000) -> int:
    """Delete the concepts, repos and authors no paper (nor anything of the user's) links to
    any more; returns how many."""
    return _delete_in_batches(driver, _DELETE_ORPHANS, database, batch_size)


# --------------------------------------------------------------------------- derived properties


def read_concept_graph(driver: Driver, database: str | None = None) -> nx.DiGraph:
    """The papers, concepts and paper -> concept edges stored in Neo4j, as a graph of
    :mod:`kg.graph`'s schema (what :mod:`kg.analytics` reads)."""
    graph = nx.DiGraph()
    papers, _, _ = driver.execute_query(_READ_PAPERS, database_=database, routing_="r")
    for rec in papers:
        graph.add_node(paper_key(rec["id"]), label=schema.PAPER, id=rec["id"], year=rec["year"],
                       name=rec["title"], title=rec["title"])
    concepts, _, _ = driver.execute_query(_READ_CONCEPTS, database_=database, routing_="r")
    for rec in concepts:
        graph.add_node(rec["id"], label=rec["label"], concept=True, id=rec["id"],
                       name=rec["name"], type=rec["type"], broad=bool(rec["broad"]))
    links, _, _ = driver.execute_query(_READ_LINKS, database_=database, routing_="r")
    for rec in links:
        graph.add_edge(paper_key(rec["paper"]), rec["concept"], type=rec["type"])
    # citations decide which way a SIMILAR_TO edge can go (kg.analytics.similarity)
    cites, _, _ = driver.execute_query(_READ_CITATIONS, database_=database, routing_="r")
    for rec in cites:
        graph.add_edge(paper_key(rec["citing"]), paper_key(rec["cited"]), type=schema.CITES)
    return graph


def refresh_derived(
    driver: Driver,
    database: str | None = None,
    batch_size: int = 1000,
    progress: Progress | None = None,
    include_broad: bool = False,
    similar_top_k: int = 5,
) -> dict[str, int]:
    """Recompute ``paper_count`` (Cypher) and PageRank, betweenness, communities,
    ``CO_OCCURS`` and ``SIMILAR_TO`` (networkx, :func:`kg.analytics.annotate`) over the whole
    database, so that an incremental load leaves the same figures as one load of everything."""
    from kg import analytics

    with driver.session(database=database) as session:
        session.execute_write(lambda tx: tx.run(_PAPER_COUNT).consume())
    graph = read_concept_graph(driver, database)
    analytics.annotate(graph, include_broad=include_broad, similar_top_k=similar_top_k)

    metrics = []
    for node, data in graph.nodes(data=True):
        if data.get("concept"):
            # a concept left out of this run gets null, which removes a stale figure
            props = {k: data.get(k) for k in DERIVED_CONCEPT_PROPERTIES if k != "paper_count"}
            metrics.append({"id": node, "props": props})
    write_batches(driver, _SET_CONCEPT_METRICS, metrics, database, batch_size, progress, "concept metrics")

    row_of = {
        schema.CO_OCCURS: lambda source, target, data: {"source": source, "target": target, "weight": data["weight"]},
        schema.SIMILAR_TO: lambda source, target, data: {
            "source": graph.nodes[source]["id"], "target": graph.nodes[target]["id"], "score": float(data["score"])},
    }

    def derived(rel: str) -> Iterator[dict[str, Any]]:
        # made a batch at a time as they are sent: millions of pairs at 100k papers
        return (row_of[rel](source, target, data) for source, target, data in graph.edges(data=True)
                if data.get("type") == rel)

    counts = {rel: sum(1 for _, _, t in graph.edges(data="type") if t == rel) for rel in DERIVED_RELATIONSHIPS}
    # Replace rather than patch: a pair that no longer qualifies must disappear. As every
    # derived relationship is deleted first, CREATE is safe (and much cheaper than MERGE on
    # dense concept nodes); an interrupted refresh starts again by deleting.
    for rel in DERIVED_RELATIONSHIPS:
        _delete_in_batches(driver, _DELETE_DERIVED[rel], database, 10000)
    for rel, query in ((schema.CO_OCCURS, _MERGE_CO_OCCURS), (schema.SIMILAR_TO, _MERGE_SIMILAR_TO)):
        write_batches(driver, query, derived(rel), database, batch_size, progress, rel, total=counts[rel])
    return {"concept metrics": len(metrics), **counts}


# --------------------------------------------------------------------------- reading


def graph_counts(driver: Driver, database: str | None = None) -> dict[str, int]:
    """Nodes per schema label (and ``Concept``) and relationships per type, zeros included."""
    counts: dict[str, int] = {}
    with driver.session(database=database) as session:
        for label in (*NODE_KEYS, "Concept"):
            counts[label] = session.run(_COUNT_LABEL.format(label=label)).single()["n"]
        for rel in (*RELATIONSHIP_TARGETS, *DERIVED_RELATIONSHIPS):
            counts[rel] = session.run(_COUNT_TYPE.format(type=rel)).single()["n"]
    return counts


_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class QueryResult:
    """Columns, rows and the server's warnings (e.g. a misspelt label) of one query."""

    keys: list[str]
    rows: list[list[Any]]
    warnings: list[str]


#: GQL status codes of the server's warnings that a label, relationship type or property key
#: is absent from the database: for kg's ready queries, which name only kg's schema, they say
#: only that this graph has none of them yet (no CITES without citations)
ABSENT_FROM_DATABASE = frozenset({"01N50", "01N51", "01N52"})


def run_query(
    driver: Driver, text: str, params: Mapping[str, Any] | None = None, database: str | None = None,
    *, schema_names_only: bool = False,
) -> QueryResult:
    """Run one Cypher statement (a user's query, parameters as ``$name``) in a managed
    transaction and return its columns, rows and warnings. ``schema_names_only`` (a ready
    query of kg's) leaves out the warnings that a label or type the query names is absent.

    Raises :class:`Neo4jSinkError` with the server's message when the query fails.
    """
    for name in params or {}:
        if not _PARAM_NAME.match(name):
            raise Neo4jSinkError(f"Invalid parameter name {name!r}.")

    def work(tx: Any) -> QueryResult:
        result = tx.run(text, dict(params or {}))
        records = list(result)
        summary = result.consume()
        warnings = [
            status.status_description
            for status in summary.gql_status_objects
            if status.is_notification and str(status.severity) != "NotificationSeverity.INFORMATION"
            and not (schema_names_only and status.gql_status in ABSENT_FROM_DATABASE)
        ]
        return QueryResult(list(result.keys()), [list(r.values()) for r in records], warnings)

    try:
        # A user's query may be a read or a write: run it as a write so either works.
        with driver.session(database=database, notifications_min_severity="WARNING") as session:
            return session.execute_write(work)
    except Neo4jError as err:
        raise Neo4jSinkError(f"Neo4j rejected the query: {err.message or err}") from None
