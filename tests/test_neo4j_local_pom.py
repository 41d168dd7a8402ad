"""The Maven project that scripts/neo4j-local writes to fetch the Neo4j jars must be well-formed
XML: a comment holding "--" (an option name, say) made Maven refuse the whole POM, so a fresh
machine got no Neo4j while a machine with the jars already cached never noticed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "neo4j-local"


def written_pom() -> str:
    text = SCRIPT.read_text(encoding="utf-8")
    body = re.search(r'cat >"\$CACHE_DIR/pom.xml" <<EOF\n(.*?)\nEOF\n', text, re.S)
    assert body, "the POM heredoc moved: update this test"
    return re.sub(r"\$\w+", "1.0", body.group(1))


def test_the_pom_the_download_writes_parses_as_xml():
    project = ElementTree.fromstring(written_pom().encode("utf-8"))
    names = {element.text for element in project.iter() if element.tag.endswith("artifactId")}
    assert {"neo4j-server", "neo4j-import-tool", "neo4j-browser"} <= names


def test_no_comment_of_the_pom_holds_a_double_dash():
    for comment in re.findall(r"<!--(.*?)-->", written_pom(), re.S):
        assert "--" not in comment, comment
