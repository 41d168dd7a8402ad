// Which papers are most similar to a given paper? SIMILAR_TO links computed by kg from shared
// concepts (score between 0 and 1).
// Parameters: paper (paper id, or part of its title, case-insensitive); limit.
// In Neo4j Browser run first:
// :param paper => 'JEPA'
// :param limit => 10
MATCH (p:Paper)
WHERE p.id = $paper OR toLower(p.title) CONTAINS toLower($paper)
MATCH (p)-[s:SIMILAR_TO]-(other:Paper)
RETURN p.title AS paper, other.title AS similar_paper, round(s.score, 3) AS score
ORDER BY score DESC, paper, similar_paper
LIMIT toInteger($limit);
