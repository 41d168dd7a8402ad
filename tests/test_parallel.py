"""Parallel, cached and incremental extraction, and extraction on a Dask cluster.

Every build here is a real ``kg`` subprocess with the real pipeline, compared file by file,
byte for byte, with one reference build (``--jobs 1``, no cache): outputs must not depend on
how many processes extracted, on what the cache held, or on where the workers ran.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kg.extraction.cache import ExtractionCache, pipeline_fingerprint, text_key
from kg.extraction.runner import ExtractionPlan, run
from kg.sources import read_papers

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "examples" / "sample"
CORPUS = REPO.parent / "shared" / "corpus" / "hf-papers"
#: two pages of the shared corpus, 85 papers (24 in the first): two shards of 64 papers, one for
#: each of two workers
PAGES = [CORPUS / "000_a0aad4fa28994bb5.txt", CORPUS / "001_72b585ac562fc3f2.txt"]


def kg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=900,
                            env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    return result


def every_file(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_files(built: Path, reference: dict[str, bytes]) -> None:
    files = every_file(built)
    assert sorted(files) == sorted(reference)
    assert [name for name in reference if files[name] != reference[name]] == []


def pages() -> list[str]:
    if not all(p.is_file() for p in PAGES):
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return [str(p) for p in PAGES]


def extracted_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if "extracted by" in line or "nothing to extract" in line]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    """A build of the two pages in one process without a cache."""
    out = tmp_path_factory.mktemp("jobs1")
    result = kg("build", *pages(), "--out", str(out), "--jobs", "1", "--no-cache")
    assert extracted_line(result.stderr) == "85 papers extracted by this process"
    return every_file(out)


# --------------------------------------------------------------------------- --jobs


def test_jobs_2_writes_the_same_files_as_jobs_1(reference, tmp_path):
    result = kg("build", *pages(), "--out", str(tmp_path / "out"), "--jobs", "2", "--no-cache")
    assert "by 2 worker processes" in extracted_line(result.stderr)
    assert "Loading the NLP pipeline in 2 worker processes ... done" in result.stderr
    assert_same_files(tmp_path / "out", reference)


def test_kg_extract_output_is_the_same_for_any_jobs(tmp_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    kg("extract", *pages(), "--output", str(one), "--jobs", "1", "--no-cache")
    kg("extract", *pages(), "--output", str(two), "-j", "2", "--no-cache")
    assert one.read_bytes() == two.read_bytes()
    assert len(one.read_text(encoding="utf-8").splitlines()) == 85


def test_the_pool_counts_every_paper_on_the_progress_bar_and_keeps_input_order(nlp):
    """The runner itself, with shards of at most 4: the sample's 12 papers go to two worker
    processes, four shards each when there are that many papers (here 6 shards of 2)."""
    papers = read_papers([SAMPLE]).papers
    ticks: list[int] = []

    class Bar:
        def __init__(self, total: int) -> None:
            ticks.append(-total)

        def __enter__(self):
            return ticks.append

        def __exit__(self, *exc) -> None:
            pass

    plan = ExtractionPlan(jobs=2, shard_size=4)
    pooled, stats = run(papers, plan, load_here=lambda: pytest.fail("loaded in this process"), progress=Bar)
    assert stats.workers == "2 worker processes" and stats.extracted == len(papers) == 12
    assert ticks == [-12, 2, 2, 2, 2, 2, 2]
    from kg.extraction import extract

    assert pooled == extract(papers, nlp)
    assert [e.paper.id for e in pooled] == [p.id for p in papers]


# --------------------------------------------------------------------------- cache and incremental builds


def test_adding_papers_extracts_only_the_new_ones_and_equals_a_clean_build(reference, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = kg("build", pages()[0], "--out", str(out), "--cache-dir", str(cache), "--jobs", "2")
    assert extracted_line(first.stderr) == f"24 papers extracted by this process, 0 taken from the cache in {cache}"

    second = kg("build", *pages(), "--out", str(out), "--cache-dir", str(cache), "--jobs", "2")
    assert extracted_line(second.stderr) == f"61 papers extracted by this process, 24 taken from the cache in {cache}"
    assert_same_files(out, reference)

    # everything cached now: no pipeline is loaded at all
    third = kg("build", *pages(), "--out", str(tmp_path / "again"), "--cache-dir", str(cache))
    assert extracted_line(third.stderr) == f"nothing to extract: all 85 papers taken from the cache in {cache}"
    assert "Loading the NLP pipeline" not in third.stderr
    assert_same_files(tmp_path / "again", reference)


def test_the_cache_location_comes_from_kg_cache_dir_then_xdg(tmp_path):
    from kg.extraction.cache import default_cache_dir

    env = {"KG_CACHE_DIR": "", "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    script = "from kg.extraction.cache import default_cache_dir; print(default_cache_dir())"
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           env={**os.environ, **env}, check=True).stdout.strip()
    assert shown == str(tmp_path / "xdg" / "kg" / "extractions")
    assert default_cache_dir() == Path(os.environ["KG_CACHE_DIR"])  # conftest's, per test
    # "~" is the home folder; a relative XDG_CACHE_HOME is ignored (the XDG specification)
    for env, expected in (({"KG_CACHE_DIR": "~/kgcache"}, tmp_path / "home" / "kgcache"),
                          ({"KG_CACHE_DIR": "", "XDG_CACHE_HOME": "relcache"},
                           tmp_path / "home" / ".cache" / "kg" / "extractions")):
        shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                               env={**os.environ, "HOME": str(tmp_path / "home"), **env}).stdout.strip()
        assert shown == str(expected)

    kg("extract", str(SAMPLE / "papers.jsonl"), "--output", str(tmp_path / "x.jsonl"))
    assert list(Path(os.environ["KG_CACHE_DIR"]).rglob("*.json"))
    kg("extract", str(SAMPLE / "papers.jsonl"), "--output", str(tmp_path / "y.jsonl"),
       env={"KG_CACHE_DIR": str(tmp_path / "elsewhere")})
    assert list((tmp_path / "elsewhere").rglob("*.json"))


def _entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*.json") if not p.name.startswith("."))


def test_damaged_entries_are_reported_once_and_recomputed(tmp_path):
    cache, sample = tmp_path / "cache", str(SAMPLE)
    kg("build", sample, "--out", str(tmp_path / "clean"), "--cache-dir", str(cache))
    entries = _entries(cache)
    assert len(entries) == 12
    truncated, garbage, edited, swapped = entries[:4]
    truncated.write_bytes(truncated.read_bytes()[:40])
    garbage.write_bytes(b"\x00\xff not json")
    entry = json.loads(edited.read_text(encoding="utf-8"))
    entry["extraction"]["repos"] = ["https://github.com/evil/repo"]  # checksum no longer fits
    edited.write_text(json.dumps(entry), encoding="utf-8")
    swapped.write_bytes(entries[5].read_bytes())  # a whole entry, of another paper's text

    result = kg("build", sample, "--out", str(tmp_path / "again"), "--cache-dir", str(cache))
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith("warning: damaged extraction cache entry")
    assert "and 3 more: recomputed" in warnings[0]
    assert extracted_line(result.stderr).startswith("4 papers extracted")
    assert_same_files(tmp_path / "again", every_file(tmp_path / "clean"))
    assert "evil" not in (tmp_path / "again" / "extractions.jsonl").read_text(encoding="utf-8")
    # written again, whole: the next build takes all twelve from the cache, without a warning
    result = kg("build", sample, "--out", str(tmp_path / "third"), "--cache-dir", str(cache))
    assert "warning: damaged" not in result.stderr
    assert extracted_line(result.stderr).startswith("nothing to extract")


def test_an_entry_that_is_a_folder_or_huge_is_damage_and_costs_no_other_entry(tmp_path):
    from kg.extraction.cache import MAX_ENTRY_BYTES

    cache, sample = tmp_path / "cache", str(SAMPLE)
    kg("build", sample, "--out", str(tmp_path / "clean"), "--cache-dir", str(cache))
    entries = _entries(cache)
    folder, huge, *_ = entries
    folder.unlink()
    (folder / "x").mkdir(parents=True)
    with open(huge, "r+b") as handle:
        handle.truncate(MAX_ENTRY_BYTES + 1)  # sparse: no disk used, and never read
    result = kg("build", sample, "--out", str(tmp_path / "again"), "--cache-dir", str(cache))
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "and 1 more: recomputed and written again" in warnings[0], warnings
    assert_same_files(tmp_path / "again", every_file(tmp_path / "clean"))
    result = kg("build", sample, "--out", str(tmp_path / "third"), "--cache-dir", str(cache))
    assert "warning" not in result.stderr and extracted_line(result.stderr).startswith("nothing to extract")

    # a shard folder kg cannot write into costs its entries only: the others are cached
    for entry in _entries(cache):
        entry.unlink()
    blocked = entries[0].parent
    blocked.rmdir()
    blocked.write_text("not a folder", encoding="utf-8")
    result = kg("build", sample, "--out", str(tmp_path / "fourth"), "--cache-dir", str(cache))
    lost = sum(1 for e in entries if e.parent == blocked)
    assert f"warning: {lost} extraction" in result.stderr and "; the others are cached" in result.stderr
    assert "the rest of this run's extractions are not cached" not in result.stderr
    assert len(_entries(cache)) == 12 - lost


def test_concurrent_builds_share_one_cache_without_seeing_half_entries(tmp_path):
    cache = tmp_path / "cache"
    runs = []

    def build(name: str) -> None:
        runs.append(subprocess.run(
            [sys.executable, "-m", "kg", "extract", *pages(), "--output", str(tmp_path / name),
             "--cache-dir", str(cache), "--jobs", "1"], capture_output=True, text=True, timeout=900))

    threads = [threading.Thread(target=build, args=(f"{n}.jsonl",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in runs:
        assert result.returncode == 0 and "warning: damaged" not in result.stderr, result.stderr[-2000:]
    assert (tmp_path / "0.jsonl").read_bytes() == (tmp_path / "1.jsonl").read_bytes()
    assert not [p for p in cache.rglob("*") if p.name.startswith(".tmp")]
    again = kg("extract", *pages(), "--output", str(tmp_path / "2.jsonl"), "--cache-dir", str(cache))
    assert extracted_line(again.stderr).startswith("nothing to extract") and "warning:" not in again.stderr
    assert (tmp_path / "2.jsonl").read_bytes() == (tmp_path / "0.jsonl").read_bytes()


def test_a_cache_folder_that_cannot_be_written_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "kg", "build", str(SAMPLE), "--out", str(tmp_path / "out"),
                             "--cache-dir", str(blocker / "cache")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "extraction cache folder" in errors[0] and "--no-cache" in errors[0]
    # --no-cache needs no folder at all
    kg("build", str(SAMPLE), "--out", str(tmp_path / "out"), "--cache-dir", str(blocker / "cache"), "--no-cache")


def test_the_fingerprint_follows_the_config_and_every_file_it_names(tmp_path):
    from kg.extraction import DEFAULT_CONFIG, shipped_path
    from kg.extraction.cache import _fingerprint_files

    config = tmp_path / "my.cfg"
    shipped = shipped_path(DEFAULT_CONFIG).read_text(encoding="utf-8")
    config.write_text(shipped, encoding="utf-8")
    base = pipeline_fingerprint(config)
    assert base == pipeline_fingerprint(config) != pipeline_fingerprint(None)

    config.write_text(shipped.replace("min_confidence = 0.3", "min_confidence = 0.45"), encoding="utf-8")
    changed = pipeline_fingerprint(config)
    assert changed != base

    lexicon = tmp_path / "lexicon"
    lexicon.mkdir()
    (lexicon / "generic.txt").write_text("approach\n", encoding="utf-8")
    config.write_text(shipped.replace("lexicon = null", f'lexicon = "{lexicon}"'), encoding="utf-8")
    with_lexicon = pipeline_fingerprint(config)
    (lexicon / "generic.txt").write_text("approach\nmethod\n", encoding="utf-8")
    assert pipeline_fingerprint(config) != with_lexicon

    hashed = {p.name for p in _fingerprint_files(None)}
    assert {"kg.cfg", "calibration.json", "mentions.py", "records.py", "methods.jsonl"} <= hashed


def test_a_paper_keeps_its_entry_when_only_its_metadata_changes():
    from kg.records import Paper

    paper = Paper(title="Sparse autoencoders for probes", abstract="We train SAEs.", year=2024)
    assert text_key(paper) == text_key(Paper(title="Sparse autoencoders for probes", abstract="We train SAEs.",
                                             year=2025, arxiv_id="2401.00001", authors=["A. B."]))
    assert text_key(paper) != text_key(Paper(title="Sparse autoencoders for probes", abstract="We train SAE."))


def test_an_entry_read_back_equals_the_extraction_written(nlp, tmp_path):
    from kg.extraction import extract

    papers = read_papers([SAMPLE]).papers
    extractions = extract(papers, nlp)
    cache = ExtractionCache(tmp_path, pipeline_fingerprint())
    for paper, extraction in zip(papers, extractions):
        cache.put(text_key(paper), extraction)
    assert [cache.get(text_key(p), p) for p in papers] == extractions
    assert cache.hits == 12 and cache.damaged == [] and cache.write_error is None


def test_a_shipped_config_is_named_to_workers_by_its_place_in_kg_pipelines(tmp_path):
    from kg.extraction import shipped_path
    from kg.extraction.runner import local_config, portable_config

    fast = str(shipped_path("kg-fast.cfg"))
    assert portable_config(fast) == "kg.pipelines:kg-fast.cfg"  # what --fast sends to a Dask worker
    assert local_config(portable_config(fast)) == fast
    own = tmp_path / "my.cfg"
    assert portable_config(str(own)) == local_config(str(own)) == str(own.resolve())
    assert portable_config(None) is None and local_config(None) is None


# --------------------------------------------------------------------------- Dask


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_dask_scheduler_is_one_line(tmp_path):
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{_free_port()}"
    result = subprocess.run([sys.executable, "-m", "kg", "build", *pages(), "--out", str(tmp_path / "out"),
                             "--dask", address, "--no-cache"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and f"Cannot reach the Dask scheduler at {address}" in errors[0], result.stderr
    assert not (tmp_path / "out" / "graph.json").exists()


def test_a_build_on_a_dask_cluster_writes_the_same_files_as_a_local_one(reference, tmp_path):
    """A real LocalCluster: a scheduler and two worker processes, one thread each."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  host="127.0.0.1") as cluster:
        result = kg("build", *pages(), "--out", str(tmp_path / "out"), "--dask", cluster.scheduler_address,
                    "--no-cache")
        with distributed.Client(cluster) as client:
            loaded = client.run(lambda: sorted(__import__("kg.extraction.runner").extraction.runner._pipelines))
    assert f"by the Dask cluster at {cluster.scheduler_address} (2 workers)" in extracted_line(result.stderr)
    # a worker that took a shard loaded the pipeline once (a worker may have had none to take)
    assert [None] in loaded.values() and all(v in ([None], []) for v in loaded.values())
    assert_same_files(tmp_path / "out", reference)


def test_worker_processes_that_cannot_start_are_one_line(tmp_path):
    """forkserver listens on a Unix socket under TMPDIR, whose path has a length limit (108
    bytes on Linux): a long TMPDIR stops the workers before they start."""
    long_tmp = tmp_path / ("x" * 110)
    long_tmp.mkdir()
    papers = tmp_path / "p.jsonl"
    papers.write_text("".join(json.dumps({"title": f"Paper {i}", "abstract": "We train BERT."}) + "\n"
                              for i in range(150)), encoding="utf-8")  # more than one shard
    result = subprocess.run([sys.executable, "-m", "kg", "build", str(papers), "--out", str(tmp_path / "out"),
                             "--no-cache", "--jobs", "2", "--fast"], capture_output=True, text=True, timeout=600,
                            env={**os.environ, "TMPDIR": str(long_tmp)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: Cannot start the extraction's worker processes (AF_UNIX path too long): "
        "run with --jobs 1 to extract in this process.")


def test_what_killed_writers_left_in_the_cache_goes_at_the_next_build(tmp_path):
    from kg.extraction.cache import ExtractionCache

    cache = ExtractionCache(tmp_path / "cache", "f" * 64)
    shard = cache.folder / "ab"
    shard.mkdir(parents=True)
    dead = 2**22 + 12345
    left, live = shard / f".tmp.{dead}.x1y2.json", shard / f".tmp.{os.getpid()}.z3w4.json"
    entry = shard / ("ab" + "0" * 62 + ".json")
    for path in (left, live, entry):
        path.write_text("{}", encoding="utf-8")
    cache.check_writable()
    assert sorted(p.name for p in shard.iterdir()) == sorted([live.name, entry.name])


def test_an_entry_that_is_a_fifo_or_a_link_to_a_device_is_damage_not_a_hang(tmp_path):
    """A FIFO in an entry's place blocked the build for ever on open(); a link to /dev/zero
    (whose size fstat gives as 0) was read until memory ran out."""
    import signal

    from kg.extraction.cache import ExtractionCache
    from kg.records import Paper, PaperExtraction

    cache = ExtractionCache(tmp_path / "cache", "test-fingerprint")
    papers = [Paper(title=f"Paper {n}", abstract="Text.") for n in range(3)]
    keys = [f"{n}" * 64 for n in range(3)]
    for key, paper in zip(keys, papers):
        cache.put(key, PaperExtraction(paper=paper))
    fifo, device, whole = (cache._path(key) for key in keys)
    fifo.unlink()
    os.mkfifo(fifo)
    device.unlink()
    device.symlink_to("/dev/zero")

    def hung(*_):
        raise TimeoutError("reading a cache entry did not return")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        found = [cache.get(key, paper) for key, paper in zip(keys, papers)]
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert found[:2] == [None, None] and found[2] is not None and found[2].paper is papers[2]
    assert [(path, why) for path, why in cache.damaged] == [(fifo, "not a regular file"), (device, "not a regular file")]
    cache.put(keys[0], PaperExtraction(paper=papers[0]))  # written again over the FIFO
    assert cache.get(keys[0], papers[0]) is not None


def test_a_file_where_a_cache_folder_should_be_is_named(tmp_path):
    from kg.extraction.cache import CacheError, ExtractionCache

    root = tmp_path / "cache"
    root.mkdir()
    (root / "v1").write_text("not a folder", encoding="utf-8")
    with pytest.raises(CacheError, match=rf"not writable \({re.escape(str(root / 'v1'))} is a file, not a folder\)"):
        ExtractionCache(root, "test-fingerprint").check_writable()
