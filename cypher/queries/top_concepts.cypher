// Which concepts do the most papers share? The most used methods, datasets, metrics or tasks.
// Parameters: type = 'method' | 'dataset' | 'metric' | 'task' | '' (all types);
// include_broad (also list umbrella concepts such as "deep learning"); limit.
// In Neo4j Browser run first:
// :param type => ''
// :param include_broad => false
// :param limit => 25
MATCH (c:Concept)
WHERE ($type = '' OR c.type = $type) AND ($include_broad OR NOT coalesce(c.broad, false))
RETURN c.name AS concept, c.type AS type, c.paper_count AS papers,
       round(coalesce(c.pagerank, 0.0), 4) AS pagerank, c.aliases AS aliases
ORDER BY papers DESC, concept
LIMIT toInteger($limit);
