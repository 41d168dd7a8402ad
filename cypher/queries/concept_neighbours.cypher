// Which concepts appear together with a given concept most often? (CO_OCCURS, weight = number
// of papers mentioning both.)
// Parameters: concept (name or alias, case-insensitive); limit.
// In Neo4j Browser run first:
// :param concept => 'contrastive learning'
// :param limit => 15
MATCH (c:Concept)
WHERE toLower(c.name) = toLower($concept) OR any(a IN c.aliases WHERE toLower(a) = toLower($concept))
MATCH (c)-[r:CO_OCCURS]-(other:Concept)
RETURN c.name AS concept, other.name AS with_concept, other.type AS type, r.weight AS papers_together
ORDER BY papers_together DESC, with_concept
LIMIT toInteger($limit);
