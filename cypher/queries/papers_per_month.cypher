// How many papers appeared each month, and which concepts led each month? Uses the papers'
// month property ("YYYY-MM", from the publication date or, failing that, the arXiv id).
// Parameters: since_month ("YYYY-MM"; earlier months are left out); concepts (per month).
// In Neo4j Browser run first:
// :param since_month => '2000-01'
// :param concepts => 3
MATCH (p:Paper)
WHERE p.month IS NOT NULL AND p.month >= $since_month
OPTIONAL MATCH (p)-[:PROPOSES|USES|EVALUATES_ON|REPORTS|ADDRESSES]->(c:Concept)
WHERE NOT coalesce(c.broad, false)
WITH p.month AS month, c, count(DISTINCT p) AS uses
ORDER BY month, uses DESC, c.name
WITH month, collect(CASE WHEN c IS NULL THEN NULL ELSE c.name + ' (' + toString(uses) + ')' END) AS ranked
MATCH (q:Paper {month: month})
RETURN month, count(q) AS papers, ranked[..toInteger($concepts)] AS top_concepts
ORDER BY month;
