"""kg: a knowledge-graph builder over research papers and the concepts they share."""

__version__ = "0.1.0"
