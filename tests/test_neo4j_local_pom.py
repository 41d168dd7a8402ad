"""The Maven project that scripts/neo4j-local writes to fetch the Neo4j jars must be well-formed
XML: a comment holding "--" (an option name, say) made Maven refuse the whole POM, so a fresh
machine got no Neo4j while a machine with the jars already cached never noticed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
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


def _download(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # no real fetch: the PATH holds the script's shell tools but no java or mvn, so a download
    # that gets as far as them stops there
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("dirname", "mkdir", "id"):
        (tools / name).symlink_to(shutil.which(name))
    base = {"PATH": str(tools), "HOME": str(tmp_path / "home-is-a-file"), "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "home-is-a-file").write_text("")
    (tmp_path / "tmp").mkdir()
    return subprocess.run([shutil.which("bash"), str(SCRIPT), "download", "--data", str(tmp_path / "data")],
                          env={**base, **env}, capture_output=True, text=True, timeout=60, check=False)


def test_a_home_that_cannot_be_written_moves_the_jar_cache_under_tmpdir(tmp_path):
    """With HOME a file (no ~/.cache can be made), the download went on to fail in mkdir."""
    result = _download(tmp_path)
    fallback = tmp_path / "tmp" / f"kg-neo4j-cache-{os.getuid()}"
    assert f"caching the jars in {fallback}/neo4j-" in result.stderr
    assert fallback.is_dir()
    # it went on to look for Java and Maven, which this PATH does not hold
    assert result.returncode == 1 and "not found" in result.stderr.splitlines()[-1]


def test_a_chosen_jar_cache_that_cannot_be_written_is_one_line(tmp_path):
    result = _download(tmp_path, KG_NEO4J_CACHE=str(tmp_path / "home-is-a-file" / "jars"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"neo4j-local: cannot write the jar cache KG_NEO4J_CACHE={tmp_path}/home-is-a-file/jars: "
        "point it at a writable folder"
    ]
