// Best reported results on a dataset: a leaderboard per metric drawn from the abstracts, best
// first (smallest first where lower is better: WER, FID, perplexity, latency ...). Scores come
// before gains (improvements over a baseline, largest first), which are not comparable with them.
// Parameters: dataset (name, alias or concept id, case-insensitive); limit.
// In Neo4j Browser run first:
// :param dataset => 'ImageNet'
// :param limit => 25
MATCH (d:Dataset)
WHERE d.id = toLower($dataset) OR toLower(d.name) = toLower($dataset)
   OR any(a IN d.aliases WHERE toLower(a) = toLower($dataset))
MATCH (p:Paper)-[:REPORTS_RESULT]->(r:Result)-[:ON]->(d)
OPTIONAL MATCH (r)-[:OF]->(m:Method)
OPTIONAL MATCH (r)-[:MEASURED_BY]->(x:Metric)
WITH d, p, r, m, coalesce(x.name, r.metric, '(no metric named)') AS metric,
     CASE WHEN coalesce(r.lower_is_better, false) THEN r.number ELSE -r.number END AS rank
RETURN d.name AS dataset, r.kind AS kind, metric, coalesce(m.name, r.method, '-') AS method,
       r.value AS value, p.title AS paper, p.year AS year, p.id AS paper_id
ORDER BY kind DESC, toLower(metric), rank, paper
LIMIT toInteger($limit);
