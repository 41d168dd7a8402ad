// Which papers share the most concepts with a given paper? (Related work by shared methods,
// datasets, metrics and tasks; broad concepts such as "deep learning" are not counted.)
// Parameters: paper (paper id, or part of its title, case-insensitive); limit.
// In Neo4j Browser run first:
// :param paper => 'Joint-Embedding Predictive'
// :param limit => 10
MATCH (p:Paper)
WHERE p.id = $paper OR toLower(p.title) CONTAINS toLower($paper)
WITH p ORDER BY p.title LIMIT 1
MATCH (p)-[:PROPOSES|USES|EVALUATES_ON|REPORTS|ADDRESSES]->(c:Concept)
      <-[:PROPOSES|USES|EVALUATES_ON|REPORTS|ADDRESSES]-(other:Paper)
WHERE other <> p AND NOT coalesce(c.broad, false)
WITH p, other, collect(DISTINCT c.name) AS shared
RETURN p.title AS paper, other.title AS related_paper, size(shared) AS shared_concepts, shared
ORDER BY shared_concepts DESC, related_paper
LIMIT toInteger($limit);
