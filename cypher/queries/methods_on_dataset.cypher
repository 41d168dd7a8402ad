// Which methods are most often evaluated on a dataset? Methods used or proposed by the papers
// that evaluate on it, with those papers.
// Parameters: dataset (name or alias, case-insensitive); limit.
// In Neo4j Browser run first:
// :param dataset => 'ImageNet'
// :param limit => 15
MATCH (d:Dataset)
WHERE toLower(d.name) = toLower($dataset) OR any(a IN d.aliases WHERE toLower(a) = toLower($dataset))
MATCH (p:Paper)-[:EVALUATES_ON]->(d)
MATCH (p)-[:USES|PROPOSES]->(m:Method)
WHERE NOT coalesce(m.broad, false)
RETURN m.name AS method, count(DISTINCT p) AS papers, collect(DISTINCT p.title)[..3] AS example_papers
ORDER BY papers DESC, method
LIMIT toInteger($limit);
