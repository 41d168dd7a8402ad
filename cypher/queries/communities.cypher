// What are the research communities? Each concept community with its size and its most central
// concepts (by PageRank).
// Parameters: top (concepts shown per community); limit (communities).
// In Neo4j Browser run first:
// :param top => 6
// :param limit => 20
MATCH (c:Concept)
WHERE c.community IS NOT NULL
WITH c ORDER BY c.pagerank DESC
WITH c.community AS community, collect(c.name) AS concepts, count(*) AS size
RETURN community, size, concepts[..toInteger($top)] AS central_concepts
ORDER BY size DESC, community
LIMIT toInteger($limit);
