// How are two concepts connected? The shortest chain of papers and concepts between them
// (through paper -> concept relationships only, so every step is a paper mentioning both ends).
// Parameters: source_concept, target_concept (names or aliases, case-insensitive).
// In Neo4j Browser run first (and show the result as a graph):
// :param source_concept => 'JEPA'
// :param target_concept => 'ImageNet'
MATCH (a:Concept)
WHERE toLower(a.name) = toLower($source_concept) OR any(x IN a.aliases WHERE toLower(x) = toLower($source_concept))
MATCH (b:Concept)
WHERE toLower(b.name) = toLower($target_concept) OR any(x IN b.aliases WHERE toLower(x) = toLower($target_concept))
MATCH path = shortestPath((a)-[:PROPOSES|USES|EVALUATES_ON|REPORTS|ADDRESSES*..10]-(b))
// not through a broad concept (machine learning, LLMs ...), which links almost every paper
WHERE none(n IN nodes(path)[1..-1] WHERE coalesce(n.broad, false))
RETURN path, length(path) AS hops,
       [n IN nodes(path) | coalesce(n.name, n.title)] AS steps
ORDER BY hops
LIMIT 1;
