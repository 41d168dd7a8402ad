// Which papers have code, optionally only those about a concept? Papers with their repositories,
// newest first (papers that give no year last).
// Parameters: concept (name or alias; '' for all papers with code); limit.
// In Neo4j Browser run first:
// :param concept => ''
// :param limit => 50
MATCH (p:Paper)-[:HAS_CODE]->(r:Repo)
WHERE $concept = '' OR EXISTS {
  MATCH (p)-[:PROPOSES|USES|EVALUATES_ON|REPORTS|ADDRESSES]->(c:Concept)
  WHERE toLower(c.name) = toLower($concept) OR any(a IN c.aliases WHERE toLower(a) = toLower($concept))
}
RETURN p.title AS paper, p.year AS year, collect(r.url) AS code
ORDER BY year IS NULL, year DESC, paper
LIMIT toInteger($limit);
