// All results reported for a method: every score and gain credited to it in the abstracts,
// grouped by dataset (or task when no dataset is named) and metric, with the sentence that
// reports it; best first within each group (by the metric's direction).
// Parameters: method (name, alias or concept id, case-insensitive); limit.
// In Neo4j Browser run first:
// :param method => 'CROMA'
// :param limit => 50
MATCH (m:Method)
WHERE m.id = toLower($method) OR toLower(m.name) = toLower($method)
   OR any(a IN m.aliases WHERE toLower(a) = toLower($method))
MATCH (p:Paper)-[:REPORTS_RESULT]->(r:Result)-[:OF]->(m)
OPTIONAL MATCH (r)-[:ON]->(d:Dataset)
OPTIONAL MATCH (r)-[:MEASURED_BY]->(x:Metric)
RETURN m.name AS method, coalesce(d.name, r.dataset, r.task, '-') AS dataset_or_task,
       coalesce(x.name, r.metric, '-') AS metric, r.value AS value, r.kind AS kind,
       p.title AS paper, p.year AS year, r.evidence AS evidence
ORDER BY dataset_or_task, metric, kind DESC,
         CASE WHEN r.lower_is_better THEN r.number ELSE -r.number END, paper
LIMIT toInteger($limit);
