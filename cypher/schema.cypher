// kg schema for Neo4j 5: uniqueness constraints on every node key, lookup indexes, full-text
// indexes. Every statement is IF NOT EXISTS, so applying it again (kg push does, each time)
// changes nothing. Paste into Neo4j Browser, or: cypher-shell -f cypher/schema.cypher
//
// Concepts carry :Concept plus exactly one of :Method, :Dataset, :Metric, :Task, and their id
// is already prefixed by type ("method:sparse autoencoder"). The constraint that enforces
// "one node per concept" is the one on :Concept(id): the loader MERGEs on (:Concept {id}),
// so a concept is found whatever its type label, and a type label can never split it in two.
// The per-type constraints below are implied by it (an id carries its type); they are kept so
// that the natural Browser query MATCH (m:Method {id: $id}) is an index seek, not a label scan.

CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (p:Paper) REQUIRE p.id IS UNIQUE;
CREATE CONSTRAINT concept_id IF NOT EXISTS FOR (c:Concept) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT method_id IF NOT EXISTS FOR (m:Method) REQUIRE m.id IS UNIQUE;
CREATE CONSTRAINT dataset_id IF NOT EXISTS FOR (d:Dataset) REQUIRE d.id IS UNIQUE;
CREATE CONSTRAINT metric_id IF NOT EXISTS FOR (m:Metric) REQUIRE m.id IS UNIQUE;
CREATE CONSTRAINT task_id IF NOT EXISTS FOR (t:Task) REQUIRE t.id IS UNIQUE;
CREATE CONSTRAINT repo_url IF NOT EXISTS FOR (r:Repo) REQUIRE r.url IS UNIQUE;
CREATE CONSTRAINT author_name IF NOT EXISTS FOR (a:Author) REQUIRE a.name IS UNIQUE;
CREATE CONSTRAINT result_id IF NOT EXISTS FOR (r:Result) REQUIRE r.id IS UNIQUE;

// Lookups a researcher types by hand: concept by name, papers by year or arXiv id.
CREATE INDEX concept_name IF NOT EXISTS FOR (c:Concept) ON (c.name);
CREATE INDEX concept_community IF NOT EXISTS FOR (c:Concept) ON (c.community);
CREATE INDEX paper_year IF NOT EXISTS FOR (p:Paper) ON (p.year);
CREATE INDEX paper_arxiv_id IF NOT EXISTS FOR (p:Paper) ON (p.arxiv_id);
// Reported results (a result is "result:<paper id>:<n>"): leaderboards filter by metric and kind.
CREATE INDEX result_metric IF NOT EXISTS FOR (r:Result) ON (r.metric);
CREATE INDEX result_kind IF NOT EXISTS FOR (r:Result) ON (r.kind);

// Full-text search: CALL db.index.fulltext.queryNodes('paper_text', 'predictive architecture')
CREATE FULLTEXT INDEX paper_text IF NOT EXISTS FOR (p:Paper) ON EACH [p.title, p.abstract];
// aliases is a list of strings; the full-text index reads each of them.
CREATE FULLTEXT INDEX concept_text IF NOT EXISTS FOR (c:Concept) ON EACH [c.name, c.aliases];
