// Where is a method evaluated, and with which metrics? For papers using or proposing a method:
// the datasets they evaluate on and the metrics (with values when reported).
// Parameters: method (name or alias, case-insensitive).
// In Neo4j Browser run first:
// :param method => 'contrastive learning'
MATCH (m:Method)
WHERE toLower(m.name) = toLower($method) OR any(a IN m.aliases WHERE toLower(a) = toLower($method))
MATCH (p:Paper)-[:USES|PROPOSES]->(m)
OPTIONAL MATCH (p)-[:EVALUATES_ON]->(d:Dataset)
OPTIONAL MATCH (p)-[rep:REPORTS]->(k:Metric)
WITH p, collect(DISTINCT d.name) AS datasets,
     collect(DISTINCT k.name + CASE WHEN rep.value IS NULL THEN '' ELSE ' = ' + rep.value END) AS metrics
WHERE size(datasets) > 0 OR size(metrics) > 0
RETURN p.title AS paper, datasets, metrics
ORDER BY size(datasets) + size(metrics) DESC, paper;
