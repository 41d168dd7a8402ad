// Which concepts are emerging? Papers per year for each concept, ranked by how many of its
// papers appeared in or after a given year (papers without a year are left out).
// Parameters: since_year; limit.
// In Neo4j Browser run first:
// :param since_year => 2024
// :param limit => 20
MATCH (p:Paper)-[:PROPOSES|USES|EVALUATES_ON|REPORTS|ADDRESSES]->(c:Concept)
WHERE p.year IS NOT NULL AND NOT coalesce(c.broad, false)
WITH c, p.year AS year, count(DISTINCT p) AS papers
ORDER BY year
WITH c, collect({year: year, papers: papers}) AS per_year,
     sum(CASE WHEN year >= toInteger($since_year) THEN papers ELSE 0 END) AS recent,
     sum(CASE WHEN year < toInteger($since_year) THEN papers ELSE 0 END) AS earlier
WHERE recent > 0
RETURN c.name AS concept, c.type AS type, recent, earlier,
       [y IN per_year | toString(y.year) + ':' + toString(y.papers)] AS papers_per_year
ORDER BY recent DESC, earlier ASC, concept
LIMIT toInteger($limit);
