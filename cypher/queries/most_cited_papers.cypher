// Which papers does this map cite most? In-map citations: CITES links two papers of the map
// when one's references (OpenAlex's referenced_works, a JSON record's "references") name the
// other, so the count says how central a paper is to this field, not to all of science.
// Parameters: limit.
// In Neo4j Browser run first:
// :param limit => 10
MATCH (p:Paper)<-[:CITES]-(citing:Paper)
RETURN p.title AS paper, p.year AS year, count(DISTINCT citing) AS citations,
       collect(DISTINCT citing.title)[..3] AS cited_by
ORDER BY citations DESC, paper
LIMIT toInteger($limit);
