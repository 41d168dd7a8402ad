// Which papers use (or propose, evaluate on, report, address) a concept? E.g. papers that use JEPA.
// The concept is found by its name or any alias, ignoring case ("JEPA", "sparse autoencoders").
// Parameters: concept (name or alias).
// In Neo4j Browser run first:
// :param concept => 'JEPA'
MATCH (c:Concept)
WHERE toLower(c.name) = toLower($concept) OR any(a IN c.aliases WHERE toLower(a) = toLower($concept))
MATCH (p:Paper)-[r:PROPOSES|USES|EVALUATES_ON|REPORTS|ADDRESSES]->(c)
RETURN p.title AS paper, p.year AS year, type(r) AS how, c.name AS concept, r.evidence AS evidence
ORDER BY how = 'PROPOSES' DESC, year IS NULL, year DESC, paper;
