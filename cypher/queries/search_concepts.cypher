// Which concepts match a word or acronym? Full-text search over concept names and aliases,
// with how many papers mention each.
// Parameters: text; limit.
// In Neo4j Browser run first:
// :param text => 'autoencoder*'
// :param limit => 10
CALL db.index.fulltext.queryNodes('concept_text', $text) YIELD node, score
RETURN node.name AS concept, node.type AS type, node.aliases AS aliases,
       node.paper_count AS papers, round(score, 3) AS score
ORDER BY score DESC, papers DESC
LIMIT toInteger($limit);
