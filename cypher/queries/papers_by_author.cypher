// Who wrote about what? Authors with the most papers and the concepts of their papers (only for
// sources that give authors: JSON, arXiv, BibTeX, CSV; Hugging Face page dumps have none).
// Parameters: limit.
// In Neo4j Browser run first:
// :param limit => 20
MATCH (a:Author)<-[:AUTHORED_BY]-(p:Paper)
OPTIONAL MATCH (p)-[:PROPOSES|USES|EVALUATES_ON|REPORTS|ADDRESSES]->(c:Concept)
WHERE NOT coalesce(c.broad, false)
RETURN a.name AS author, count(DISTINCT p) AS papers, collect(DISTINCT c.name)[..8] AS concepts
ORDER BY papers DESC, author
LIMIT toInteger($limit);
