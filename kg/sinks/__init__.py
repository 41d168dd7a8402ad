"""Sinks: where a built graph goes (files, HTML views, Neo4j)."""
