// Which papers talk about something? Full-text search over titles and abstracts (Lucene syntax:
// "exact phrase", word*, a AND b), best matches first.
// Parameters: text; limit.
// In Neo4j Browser run first:
// :param text => 'predictive architecture'
// :param limit => 10
CALL db.index.fulltext.queryNodes('paper_text', $text) YIELD node, score
RETURN node.title AS paper, node.year AS year, round(score, 3) AS score
ORDER BY score DESC
LIMIT toInteger($limit);
