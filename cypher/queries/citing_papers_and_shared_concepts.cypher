// Which papers of the map cite a given paper, and which of its concepts do they take up?
// Follows CITES backwards from the paper and lists the concepts both papers link to.
// Parameters: paper (paper id, or part of its title, case-insensitive); limit.
// In Neo4j Browser run first:
// :param paper => 'predictive'
// :param limit => 20
MATCH (p:Paper)
WHERE p.id = $paper OR toLower(p.title) CONTAINS toLower($paper)
MATCH (citing:Paper)-[:CITES]->(p)
OPTIONAL MATCH (citing)-[:PROPOSES|USES|EVALUATES_ON|REPORTS|ADDRESSES]->(c:Concept)
               <-[:PROPOSES|USES|EVALUATES_ON|REPORTS|ADDRESSES]-(p)
WITH p, citing, collect(DISTINCT c.name) AS shared
RETURN p.title AS paper, citing.title AS cited_by, citing.year AS year, shared[..8] AS shared_concepts
ORDER BY year IS NULL, year DESC, cited_by
LIMIT toInteger($limit);
