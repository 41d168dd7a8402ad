// Which papers are most similar to a given paper? SIMILAR_TO links computed by kg from shared
// concepts (score between 0 and 1).
// Parameters: paper (paper id, or part of its title, case-insensitive); limit.
// In Neo4j Browser run first:
// :param paper => 'JEPA'
// :param limit => 10
MATCH (p:Paper)
WHERE p.id = $paper OR toLower(p.title) CONTAINS toLower($paper)
MATCH (p)-[s:SIMILAR_TO]-(other:Paper)
// The ids tell apart papers that share a title, and are what `kg viz --paper` takes.
RETURN p.title AS paper, p.id AS paper_id, other.title AS similar_paper, other.id AS similar_id,
       round(s.score, 3) AS score
ORDER BY score DESC, paper, paper_id, similar_paper, similar_id
LIMIT toInteger($limit);
