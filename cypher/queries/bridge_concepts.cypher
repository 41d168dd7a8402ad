// Which concepts bridge communities? Concepts whose co-occurring concepts lie in the most other
// communities (communities are computed by kg's Louvain analytics on co-occurrence).
// Parameters: min_communities (other communities a bridge must touch); limit.
// In Neo4j Browser run first:
// :param min_communities => 2
// :param limit => 20
MATCH (c:Concept)-[r:CO_OCCURS]-(other:Concept)
WHERE c.community IS NOT NULL AND other.community IS NOT NULL AND other.community <> c.community
WITH c, count(DISTINCT other.community) AS communities_reached, sum(r.weight) AS cross_weight,
     collect(DISTINCT other.community) AS reached
WHERE communities_reached >= toInteger($min_communities)
RETURN c.name AS concept, c.type AS type, c.community AS community, communities_reached,
       cross_weight, round(coalesce(c.betweenness, 0.0), 4) AS betweenness, reached
ORDER BY communities_reached DESC, cross_weight DESC, concept
LIMIT toInteger($limit);
