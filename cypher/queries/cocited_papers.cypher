// Which papers are cited together with a given paper (co-citation)? Two papers are co-cited
// when a third paper of the map cites both; the more papers cite them together, the closer
// their topics, whatever concepts extraction found.
// Parameters: paper (paper id, or part of its title, case-insensitive); limit.
// In Neo4j Browser run first:
// :param paper => 'predictive'
// :param limit => 10
MATCH (p:Paper)
WHERE p.id = $paper OR toLower(p.title) CONTAINS toLower($paper)
MATCH (p)<-[:CITES]-(citing:Paper)-[:CITES]->(other:Paper)
WHERE other <> p
RETURN p.title AS paper, other.title AS co_cited, count(DISTINCT citing) AS cited_together
ORDER BY cited_together DESC, paper, co_cited
LIMIT toInteger($limit);
