"""A killed ``kg build`` leaves the output folder with exactly the old outputs or exactly the new.

Each case writes over a previous build (``examples/sample``) with a build of other papers, and
stops it with SIGKILL, SIGTERM or SIGINT at a seeded random moment while it reads, extracts or
writes. The folder is then compared byte for byte with reference builds of both inputs (kg's
outputs are deterministic, ``tests/test_determinism.py``). SIGTERM and SIGINT must leave it clean
at once, with one line saying so; after SIGKILL, kg's readers must already see one whole set,
and the next run must finish the switch and leave no stray files. A second test stops the
switch itself before each of its file-system calls, which a timed kill can rarely hit.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kg.sinks.outputs import current, recover

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "examples" / "sample"
CORPUS = REPO.parent / "shared" / "corpus" / "hf-papers"
#: a page of the shared corpus (about 100 papers): its outputs take a few tenths of a second to
#: write, long enough to be hit by a timed kill
NEW_PAGES = [CORPUS / "001_72b585ac562fc3f2.txt"]
OUTPUTS = ("concepts.json", "extractions.jsonl", "graph.graphml", "graph.html", "graph.json", "neo4j")


def kg_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("KG_NEO4J")}


def new_input() -> list[str]:
    if all(p.is_file() for p in NEW_PAGES):
        return [str(p) for p in NEW_PAGES]
    pytest.skip(f"shared corpus not found at {CORPUS}")


def every_file(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, hidden ones included, by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def as_kg_reads_it(out: Path) -> dict[str, bytes]:
    """The files kg reads back (graph.json, concepts.json ...) as its readers resolve them
    (:func:`kg.sinks.outputs.current`), before any recovery."""
    seen = {}
    for name in OUTPUTS:
        path = current(out / name)
        if path.is_file():
            seen[name] = path.read_bytes()
    return seen


def top_files(files: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in files.items() if "/" not in k}


class Run:
    """``kg build`` as a subprocess whose stderr is watched for the progress lines."""

    def __init__(self, inputs: list[str], out: Path) -> None:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            # no cache: every run extracts, so that a stop can land while it does
            [sys.executable, "-m", "kg", "build", *inputs, "--out", str(out), "--no-cache"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=kg_env(),
        )
        self.stderr = bytearray()
        self.marks: dict[bytes, float] = {}
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while chunk := self.proc.stderr.read1(4096):
            self.stderr += chunk
            now = time.monotonic() - self.started
            for mark in (b"Loading the NLP pipeline", b"Extracting concepts", b"Writing outputs"):
                if mark not in self.marks and mark in self.stderr:
                    self.marks[mark] = now
        self.marks[b"end"] = time.monotonic() - self.started

    def wait_for(self, mark: bytes | None, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while mark is not None and mark not in self.marks and self.proc.poll() is None:
            assert time.monotonic() < deadline, f"no {mark!r} in {bytes(self.stderr)!r}"
            time.sleep(0.002)

    def finish(self) -> tuple[int, str]:
        code = self.proc.wait(timeout=120)
        self.reader.join(timeout=10)
        return code, self.stderr.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    """Outputs of uninterrupted builds of the old and the new input, and the new build's
    timings (seconds from start to each progress line)."""
    old_dir = tmp_path_factory.mktemp("old-ref")
    result = subprocess.run([sys.executable, "-m", "kg", "build", str(SAMPLE), "--out", str(old_dir)],
                            capture_output=True, text=True, env=kg_env(), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    new_dir = tmp_path_factory.mktemp("new-ref")
    run = Run(new_input(), new_dir)
    code, stderr = run.finish()
    assert code == 0, stderr[-2000:]
    old, new = every_file(old_dir), every_file(new_dir)
    assert old != new
    return old_dir, old, new, run.marks


def state(files: dict[str, bytes], old: dict[str, bytes], new: dict[str, bytes]) -> str:
    if files == old:
        return "old"
    if files == new:
        return "new"
    extra = sorted(set(files) - set(old) - set(new))
    neither = sorted(k for k in set(old) | set(new) if files.get(k) not in (old.get(k), new.get(k)))
    from_new = sorted(k for k in files if k in new and files[k] == new[k] != old.get(k))
    return f"mixed: stray {extra}, neither old nor new {neither}, new {from_new}"


def test_killed_build_leaves_exactly_the_old_or_the_new_outputs(references, tmp_path):
    old_dir, old, new, marks = references
    loading = marks[b"Loading the NLP pipeline"]
    extracting = marks[b"Writing outputs"] - marks[b"Extracting concepts"]
    writing = marks[b"end"] - marks[b"Writing outputs"]
    rng = random.Random(20261129)
    # (signal, progress line to wait for, delay after it): reading the input and importing
    # (before the pipeline loads), extraction, and writing the outputs
    cases = [
        (signal.SIGKILL, None, rng.uniform(0.3, loading)),
        (signal.SIGKILL, b"Extracting concepts", rng.uniform(0, extracting)),
        (signal.SIGKILL, b"Writing outputs", rng.uniform(0, writing)),
        (signal.SIGKILL, b"Writing outputs", rng.uniform(0, writing)),
        (signal.SIGTERM, b"Extracting concepts", rng.uniform(0, extracting)),
        (signal.SIGTERM, b"Writing outputs", rng.uniform(0, writing)),
        (signal.SIGINT, None, rng.uniform(0.3, loading)),
        (signal.SIGINT, b"Writing outputs", rng.uniform(0, writing)),
    ]
    outcomes = []
    killed_while_writing = None
    for number, (signum, mark, delay) in enumerate(cases):
        for attempt in range(3):
            out = tmp_path / f"case{number}-{attempt}"
            shutil.copytree(old_dir, out)
            run = Run(new_input(), out)
            run.wait_for(mark)
            time.sleep(delay)
            run.proc.send_signal(signum)
            code, stderr = run.finish()
            if code != 0 or signum != signal.SIGKILL or mark != b"Writing outputs":
                break
            # the build ended before the kill (this machine is faster now than for the reference
            # build): try again sooner, so that some SIGKILL does land while outputs are written
            delay /= 3
        case = f"case {number}: {signum.name} {delay:.2f} s after {mark!r}, exit {code}"
        assert "Traceback" not in stderr, f"{case}\n{stderr}"
        if signum == signal.SIGKILL:
            assert code in (-signal.SIGKILL, 0), case
            assert state(as_kg_reads_it(out), top_files(old), top_files(new)) in ("old", "new"), case
            if mark == b"Writing outputs" and code != 0:
                killed_while_writing = out
                continue  # the next real run recovers this one, below
            recover(out)
        elif code == -signum:
            # arrived after kg had finished its work, while Python was shutting down
            assert "Writing outputs" in stderr and state(every_file(out), old, new) == "new", case
        else:
            assert code in (128 + signum, 0), f"{case}\n{stderr}"
            if code:
                lines = [line for line in stderr.splitlines() if "interrupted" in line]
                assert len(lines) == 1 and str(out) in lines[0], f"{case}\n{stderr}"
        outcome = state(every_file(out), old, new)
        assert outcome in ("old", "new"), f"{case}: {outcome}"
        outcomes.append(outcome)
    assert "old" in outcomes
    # SIGKILL while writing: the next run finishes or drops the switch and leaves no stray file
    assert killed_while_writing is not None, "no SIGKILL landed while the outputs were written"
    result = subprocess.run([sys.executable, "-m", "kg", "build", str(SAMPLE), "--out", str(killed_while_writing)],
                            capture_output=True, text=True, env=kg_env(), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert every_file(killed_while_writing) == old


# A child process that writes the new outputs into a generation and then dies (os._exit, like
# SIGKILL: no clean-up runs) just before its N-th file-system change during the switch.
CRASH_CHILD = r"""
import os, shutil, sys
from pathlib import Path
from kg.sinks.outputs import new_generation

out, source, stop_at = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
CHANGES = {"os.rename", "os.remove", "os.rmdir", "os.mkdir", "shutil.rmtree", "os.link", "os.chmod"}
seen = 0

def hook(event, args):
    global seen
    if event in CHANGES:
        if seen == stop_at:
            os._exit(17)
        seen += 1

with new_generation(out) as generation:
    for entry in sorted(source.iterdir()):
        if entry.is_dir():
            shutil.copytree(entry, generation.path / entry.name)
        else:
            shutil.copy2(entry, generation.path / entry.name)
    sys.addaudithook(hook)  # from here on, only the switch itself runs
"""


def test_a_switch_stopped_before_any_file_system_call_leaves_one_whole_set(references, tmp_path):
    old_dir, old, new, _ = references
    new_dir = tmp_path / "new-src"
    new_dir.mkdir()
    for name, data in new.items():
        (new_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (new_dir / name).write_bytes(data)
    outcomes = []
    for stop_at in range(200):
        out = tmp_path / f"stop{stop_at}"
        shutil.copytree(old_dir, out)
        child = subprocess.run([sys.executable, "-c", CRASH_CHILD, str(out), str(new_dir), str(stop_at)],
                               capture_output=True, text=True, cwd=REPO, timeout=60)
        assert child.returncode in (17, 0), child.stderr
        seen = state(as_kg_reads_it(out), top_files(old), top_files(new))
        assert seen in ("old", "new"), f"stopped before change {stop_at}: kg reads {seen}"
        recover(out)
        after = state(every_file(out), old, new)
        assert after == seen, f"stopped before change {stop_at}: {seen} before recovery, {after} after"
        outcomes.append(after)
        if child.returncode == 0:
            break  # the switch completed without reaching change number stop_at
    else:
        pytest.fail("the switch made more than 200 file-system changes")
    # old until the commit point, new from there on, and more than a couple of steps each side
    first_new = outcomes.index("new")
    assert outcomes == ["old"] * first_new + ["new"] * (len(outcomes) - first_new)
    assert first_new >= 1 and len(outcomes) - first_new >= 3


def test_a_switch_keeps_the_folders_it_fills_and_the_users_own_files(references, tmp_path):
    """neo4j/ is switched file by file inside the same folder, so a Docker bind mount of it
    keeps seeing the new files; CSVs the new graph lacks go, a note of the user's stays."""
    from kg.sinks.outputs import new_generation

    old_dir, old, new, _ = references
    out = tmp_path / "out"
    shutil.copytree(old_dir, out)
    (out / "neo4j" / "NOTES.txt").write_text("mine", encoding="utf-8")
    (out / "mine.txt").write_text("mine too", encoding="utf-8")
    folder = (out / "neo4j").stat().st_ino
    with new_generation(out) as generation:
        for name, data in new.items():
            (generation.path / name).parent.mkdir(parents=True, exist_ok=True)
            (generation.path / name).write_bytes(data)
    assert (out / "neo4j").stat().st_ino == folder
    assert every_file(out) == {**new, "neo4j/NOTES.txt": b"mine", "mine.txt": b"mine too"}


def test_a_link_to_a_folder_in_place_of_neo4j_is_written_through(references, tmp_path):
    """OUT/neo4j linked to Neo4j's import folder (a bind mount by other means) was set aside and
    replaced by a real folder, so the linked folder went stale."""
    from kg.sinks.outputs import new_generation

    _, _, new, _ = references
    imports = tmp_path / "neo4j-import"
    imports.mkdir()
    (imports / "NOTES.txt").write_text("mine", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "neo4j").symlink_to(imports, target_is_directory=True)
    for _ in range(2):  # a first build into the link, then one over it
        with new_generation(out) as generation:
            for name, data in new.items():
                (generation.path / name).parent.mkdir(parents=True, exist_ok=True)
                (generation.path / name).write_bytes(data)
        assert (out / "neo4j").is_symlink()
        # rglob does not enter a linked folder: its files are read where the link points
        through = {f"neo4j/{name}": data for name, data in every_file(imports).items()}
        assert {**every_file(out), **through} == {**new, "neo4j/NOTES.txt": b"mine"}


def test_files_of_the_users_own_in_kgs_folders_stay(references, tmp_path):
    """A neo4j/ or report/ folder kg had not written (the user's own, or Neo4j's import folder
    OUT/neo4j links to) lost every file of the kinds kg writes there: other projects' CSVs,
    the user's Markdown. A file where kg writes a folder was set aside and deleted."""
    from kg.sinks.outputs import new_generation

    _, _, new, _ = references
    out = tmp_path / "out"
    (out / "neo4j").mkdir(parents=True)
    mine = {"neo4j/customers.csv": b"my,data\n", "neo4j/settings.json": b"{}", "neo4j/mine.cypher": b"RETURN 1",
            "report/q3.md": b"# quarterly\n", "report/chart.png": b"\x89PNG"}
    for name, data in mine.items():
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_bytes(data)
    for _ in range(2):  # a first build into the folders, then one over it
        with new_generation(out) as generation:
            for name, data in {**new, "report/report.md": b"# report\n"}.items():
                (generation.path / name).parent.mkdir(parents=True, exist_ok=True)
                (generation.path / name).write_bytes(data)
        assert every_file(out) == {**new, "report/report.md": b"# report\n", "report/.kg-names": b'["report.md"]', **mine}
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "neo4j").write_bytes(b"my notes")
    with pytest.raises(NotADirectoryError, match="a file of that name is in the way"):
        with new_generation(blocked) as generation:
            (generation.path / "neo4j").mkdir()
            (generation.path / "neo4j" / "Paper.csv").write_bytes(b"id\n")
    assert (blocked / "neo4j").read_bytes() == b"my notes"


def test_a_folders_list_never_reaches_outside_its_folder(tmp_path):
    """An output folder may come from elsewhere (a shared drive, an archive): names in its lists
    that leave the folder ("../x", an absolute path) are not kg's files to remove."""
    import json

    from kg.sinks.outputs import new_generation

    out = tmp_path / "out"
    victims = [tmp_path / "victim.txt", tmp_path / "elsewhere" / "secret.txt"]
    for victim in victims:
        victim.parent.mkdir(exist_ok=True)
        victim.write_text("not kg's", encoding="utf-8")
    with new_generation(out) as generation:
        for folder in ("views", "neo4j"):
            (generation.path / folder).mkdir()
            (generation.path / folder / "a.csv").write_text("kg's", encoding="utf-8")
    hostile = ["a.csv", "../../victim.txt", str(victims[1]), "..", "", 7, None]
    for folder in ("views", "neo4j"):
        (out / folder / ".kg-names").write_text(json.dumps(hostile), encoding="utf-8")
    with new_generation(out) as generation:
        assert generation.clear("views") == ["a.csv"]
        (generation.path / "neo4j").mkdir()
        (generation.path / "neo4j" / "b.csv").write_text("new", encoding="utf-8")
    assert all(victim.read_text(encoding="utf-8") == "not kg's" for victim in victims)
    assert sorted(p.name for p in (out / "neo4j").iterdir()) == [".kg-names", "b.csv"]
    assert not (out / "views").exists()


def test_the_next_run_removes_what_dead_runs_left(tmp_path):
    from kg.sinks.outputs import new_generation

    dead = 2**22 + 12345  # above the largest pid Linux can give (2**22): no such process
    out = tmp_path / "out"
    (out / f".kg-staging-{dead}" / "neo4j").mkdir(parents=True)
    (out / f".kg-staging-{dead}" / "graph.json").write_text("{}", encoding="utf-8")
    (out / "views").mkdir()
    for folder in (out, out / "views"):
        (folder / f".kg-tmp.{dead}.graph.html.x1y2").write_text("half", encoding="utf-8")
    alive = out / "views" / f".kg-tmp.{os.getpid()}.overview.html.abcd"  # a writer still at work
    alive.write_text("busy", encoding="utf-8")
    (out / "graph.json").write_text("old", encoding="utf-8")
    assert len(recover(out)) == 3
    assert sorted(p.name for p in out.rglob("*")) == sorted(["graph.json", "views", alive.name])
    assert recover(out) == []
    with new_generation(out) as generation:
        (generation.path / "graph.json").write_text("new", encoding="utf-8")
    assert (out / "graph.json").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in out.iterdir()) == ["graph.json", "views"]


def _old_build(out: Path) -> dict[str, bytes]:
    from kg.sinks.outputs import new_generation

    with new_generation(out) as generation:
        (generation.path / "neo4j").mkdir()
        (generation.path / "neo4j" / "Paper.csv").write_text("old", encoding="utf-8")
        (generation.path / "concepts.json").write_text("old", encoding="utf-8")
    return every_file(out)


def _new_build(out: Path) -> None:
    from kg.sinks.outputs import new_generation

    with new_generation(out) as generation:
        (generation.path / "neo4j").mkdir()
        (generation.path / "neo4j" / "Paper.csv").write_text("new", encoding="utf-8")
        (generation.path / "concepts.json").write_text("new", encoding="utf-8")
        (generation.path / "graph.json").write_text("new", encoding="utf-8")


def test_a_place_the_switch_cannot_fill_is_found_before_the_commit(tmp_path):
    """A folder where an output file goes (the user's graph.json/): the run fails naming it,
    before the commit point, so the old set stays whole and nothing is left to roll forward."""
    out = tmp_path / "out"
    before = _old_build(out)
    (out / "graph.json").mkdir()
    with pytest.raises(IsADirectoryError) as failure:
        _new_build(out)
    assert failure.value.filename == str(out / "graph.json")
    assert every_file(out) == before
    assert not any(p.name.startswith((".kg-swap", ".kg-staging")) for p in out.iterdir())


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into any folder")
def test_a_folder_of_kgs_the_run_may_not_write_into_is_found_before_the_commit(tmp_path):
    out = tmp_path / "out"
    before = _old_build(out)
    (out / "neo4j").chmod(0o555)
    try:
        with pytest.raises(PermissionError) as failure:
            _new_build(out)
        assert failure.value.filename == str(out / "neo4j")
        assert every_file(out) == before
        assert not any(p.name.startswith((".kg-swap", ".kg-staging")) for p in out.iterdir())
    finally:
        (out / "neo4j").chmod(0o755)
    _new_build(out)  # and once it may, the next run switches in as usual
    assert every_file(out)["neo4j/Paper.csv"] == b"new"


def test_a_kg_swap_that_is_no_folder_does_not_stop_every_later_run(tmp_path):
    out = tmp_path / "out"
    _old_build(out)
    (out / ".kg-swap").write_text("junk", encoding="utf-8")
    _new_build(out)
    assert every_file(out)["graph.json"] == b"new" and not (out / ".kg-swap").exists()


def test_a_generation_clears_the_views_and_report_kg_wrote_but_not_the_users_files(tmp_path):
    """kg build clears OUT/report and OUT/views (they describe the graph it replaces): the files
    kg listed there go in the same switch, a file of the user's stays."""
    from kg.sinks.outputs import list_as_written, new_generation

    out = tmp_path / "out"
    with new_generation(out) as generation:
        (generation.path / "report").mkdir()
        (generation.path / "report" / "report.md").write_text("old report", encoding="utf-8")
    views = out / "views"
    views.mkdir()
    for name in ("overview-community.html", "paper-x.html"):
        (views / name).write_text("old view", encoding="utf-8")
        list_as_written(views / name)
    list_as_written(views / "paper-x.html")  # listed once however often it is written
    (views / "mine.html").write_text("mine", encoding="utf-8")
    (out / "report" / "notes.md").write_text("my notes", encoding="utf-8")
    with new_generation(out) as generation:
        assert generation.clear("report") == ["report.md"]
        assert generation.clear("views") == ["overview-community.html", "paper-x.html"]
        assert generation.clear("neo4j") == []  # nothing listed: nothing to clear
        (generation.path / "graph.json").write_text("new", encoding="utf-8")
    assert sorted(p.name for p in (out / "report").iterdir()) == [".kg-names", "notes.md"]
    assert sorted(p.name for p in views.iterdir()) == [".kg-names", "mine.html"]
    assert not (out / "neo4j").exists()
    # cleared again with nothing of the user's left in it, a folder goes: no views/ holding
    # only kg's empty list
    (views / "mine.html").unlink()
    (views / "paper-y.html").write_text("a view of the graph", encoding="utf-8")
    list_as_written(views / "paper-y.html")
    with new_generation(out) as generation:
        assert generation.clear("views") == ["paper-y.html"]
    assert not views.exists() and (out / "report" / "notes.md").exists()


def run_while_a_build_switches(out: Path, new_graph: Path, *args: str) -> tuple[int, str]:
    """Run ``kg ARGS --out OUT`` while this process holds OUT as a build does; once the command
    says it waits, switch ``new_graph`` in as the build would, and let it go on."""
    from kg.sinks.outputs import locked

    with locked(out):
        command = subprocess.Popen([sys.executable, "-m", "kg", *args, "--out", str(out)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=kg_env())
        said = bytearray()

        def listen() -> None:
            while chunk := command.stderr.read(1):
                said.extend(chunk)

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        deadline = time.monotonic() + 300
        while b"Waiting for another kg run" not in said:  # it has read the old graph by now
            assert command.poll() is None and time.monotonic() < deadline, bytes(said).decode()
            time.sleep(0.05)
        shutil.copy(new_graph, out / "graph.tmp")
        os.replace(out / "graph.tmp", out / "graph.json")  # the build's switch
    code = command.wait(timeout=300)
    listener.join(timeout=10)
    return code, bytes(said).decode()


def test_commands_that_waited_for_a_build_never_write_the_old_graphs_figures_over_it(references, tmp_path):
    """kg analyze and kg viz read the graph, then wait for the folder while a build writes:
    analyze must analyse the build's graph, and viz must not add a view of the old one."""
    from kg.sinks.files import read_graph_json

    old_dir, _, new, _ = references
    new_graph = tmp_path / "new-graph.json"
    new_graph.write_bytes(new["graph.json"])

    def papers(path: Path) -> set[str]:
        return {n for n, d in read_graph_json(path).nodes(data=True) if d["label"] == "Paper"}

    out = tmp_path / "analyze"
    shutil.copytree(old_dir, out)
    code, said = run_while_a_build_switches(out, new_graph, "analyze")
    assert code == 0, said[-2000:]
    assert papers(out / "graph.json") == papers(new_graph) != papers(old_dir / "graph.json")

    out = tmp_path / "viz"
    shutil.copytree(old_dir, out)
    code, said = run_while_a_build_switches(out, new_graph, "viz")
    assert code == 1 and "was rebuilt while this view was drawn" in said, said[-2000:]
    assert not (out / "views" / "overview-community.html").exists()


def test_what_killed_writers_left_beside_a_file_goes_when_it_is_next_written(tmp_path):
    """`kg extract -o x.jsonl` killed before its rename leaves .kg-tmp.<pid>.x.jsonl.*; the next
    write of x.jsonl deletes it, and nothing of a live writer or of another file."""
    from kg.sinks.files import atomic_write

    dead = 2**22 + 12345  # above the largest pid Linux gives: no such process
    left = tmp_path / f".kg-tmp.{dead}.x.jsonl.ab12cd"
    other = tmp_path / f".kg-tmp.{dead}.y.jsonl.ab12cd"
    live = tmp_path / f".kg-tmp.{os.getpid()}.x.jsonl.ef34gh"
    for path in (left, other, live):
        path.write_text("half", encoding="utf-8")
    with atomic_write(tmp_path / "x.jsonl") as handle:
        handle.write("whole\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["x.jsonl", other.name, live.name])


def test_an_interrupted_extract_says_so_and_leaves_its_output_file_as_it_was(tmp_path):
    output = tmp_path / "x.jsonl"
    output.write_text("previous\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "kg", "extract", *new_input(), "--no-cache", "--jobs", "1",
                             "-o", str(output)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=kg_env())
    said = b""
    while b"Extracting concepts" not in said and proc.poll() is None:
        said += proc.stderr.read1(4096)
    proc.send_signal(signal.SIGINT)
    said += proc.stderr.read()
    assert proc.wait(timeout=120) == 130, said
    assert b"Traceback" not in said and b"Aborted!" not in said
    assert said.decode().strip().splitlines()[-1] == f"kg extract interrupted by SIGINT: {output} is left as it was."
    assert output.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.jsonl"]
