"""Running extraction over many papers: from the cache, in this process, in worker processes
on this machine, or on a Dask cluster.

Papers whose extraction is cached (:mod:`kg.extraction.cache`) are not extracted again. The
others are cut, in input order, into shards of at most ``shard_size`` papers; each shard is extracted
by :func:`extract_shard` in a worker that loads the pipeline once and keeps it. Results come
back as plain dicts (:meth:`kg.records.PaperExtraction.to_dict`) and are put back in input
order, so the outcome is the same list whatever the number of workers or where they run: the
pipeline annotates a text the same way in any ``nlp.pipe`` batch (``tests/test_parallel.py``
holds it to that, byte for byte, on the shared corpus).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as connection_wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ContextManager

from kg.extraction.cache import ExtractionCache, pipeline_fingerprint, text_key
from kg.records import Paper, PaperExtraction

#: papers per shard at most: one task of a worker, one step of the progress bar; fewer papers
#: to extract than this are extracted in kg's own process (starting workers would cost more)
DEFAULT_SHARD_SIZE = 64
#: shards per local worker process when there are few papers (smaller shards, even finish)
SHARDS_PER_WORKER = 4
#: how long to wait for a Dask scheduler to answer
DASK_CONNECT_TIMEOUT = "10s"


class ExtractionError(Exception):
    """Extraction could not run (one sentence: the pipeline, a worker or the cluster)."""


def default_jobs() -> int:
    """The cores this process may run on (its CPU affinity; ``os.cpu_count()`` elsewhere)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class ExtractionPlan:
    """How to run extraction: which pipeline, and where.

    ``jobs`` worker processes on this machine (1: in this process), or the Dask scheduler at
    ``dask_address``; ``cache`` None for no cache.
    """

    pipeline_config: str | None = None
    batch_size: int = 64
    jobs: int = 1
    dask_address: str | None = None
    cache: ExtractionCache | None = None
    shard_size: int = DEFAULT_SHARD_SIZE


@dataclass
class ExtractionStats:
    """What a run did: papers taken from the cache, papers extracted, and by whom."""

    cached: int = 0
    extracted: int = 0
    workers: str = "this process"
    #: damaged cache entries that were recomputed: (path, why)
    damaged: list[tuple[str, str]] = field(default_factory=list)
    #: the first cache write that failed, if one did; how many did; whether the cache took no
    #: more writes after one (a full disk)
    cache_write_error: str | None = None
    cache_write_failures: int = 0
    cache_writes_stopped: bool = False
    #: papers the pipeline failed on, kept without concepts: (where the paper was read, why)
    failed: list[tuple[str, str]] = field(default_factory=list)


Status = Callable[[str], ContextManager[Any]]
ProgressBar = Callable[[int], ContextManager[Callable[[int], None]]]


@contextlib.contextmanager
def _no_progress(_total: int) -> Iterator[Callable[[int], None]]:
    yield lambda n: None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a while. Reading 100k cache entries makes
    millions of small objects without cycles, and each collection of the oldest generation
    walks every one made so far: parsing them took 4.6 times as long with it on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run(
    papers: Sequence[Paper],
    plan: ExtractionPlan,
    load_here: Callable[[], Any],
    status: Status = lambda text: contextlib.nullcontext(),
    progress: ProgressBar = _no_progress,
) -> tuple[list[PaperExtraction], ExtractionStats]:
    """Every paper's extraction, in the order of ``papers``.

    ``load_here()`` gives the pipeline when extraction runs in this process (``plan.jobs`` 1,
    or a single shard to extract: not worth starting workers for). ``status(text)`` wraps the
    start of the workers, ``progress(total)`` the extraction; it yields a function called
    with the number of papers done, cached ones first.
    """
    stats = ExtractionStats()
    results: list[PaperExtraction | None] = [None] * len(papers)
    cache = plan.cache
    keys = [text_key(paper) for paper in papers] if cache is not None else []
    todo: list[int] = []
    if cache is None:
        todo = list(range(len(papers)))
    else:
        counted = f"{len(papers):,} paper" + ("" if len(papers) == 1 else "s")
        with status(f"Looking up {counted} in the extraction cache"), _collector_paused():
            for number, paper in enumerate(papers):
                found = cache.get(keys[number], paper)
                if found is None:
                    todo.append(number)
                else:
                    results[number] = found
    stats.cached = len(papers) - len(todo)

    size = plan.shard_size
    if not todo:
        workers: _Workers = _NoWorkers()
    elif plan.dask_address:
        workers = _DaskWorkers(plan)
    elif plan.jobs > 1 and len(todo) > plan.shard_size:
        # several shards a worker, so that none is left alone with a big last shard at the end
        size = min(plan.shard_size, -(-len(todo) // (plan.jobs * SHARDS_PER_WORKER)))
        workers = _PoolWorkers(plan, min(plan.jobs, -(-len(todo) // size)))
    else:
        workers = _ThisProcess(plan, load_here)
    shards = [todo[start:start + size] for start in range(0, len(todo), size)]
    try:
        if shards:
            with status(workers.loading):
                workers.start()
        with progress(len(papers)) as tick:
            if stats.cached:
                tick(stats.cached)
            for shard, replies in workers.map([[papers[n] for n in shard] for shard in shards], shards):
                for number, reply in zip(shard, replies):
                    extraction = reply if isinstance(reply, PaperExtraction) else _from_worker(reply, papers[number])
                    results[number] = extraction
                    if extraction.failed is not None:
                        stats.failed.append((extraction.paper.source, extraction.failed))
                    elif cache is not None:
                        cache.put(keys[number], extraction)
                tick(len(shard))
    finally:
        workers.close()
    stats.extracted, stats.workers = len(todo), workers.description
    if cache is not None:
        stats.damaged = [(str(path), why) for path, why in cache.damaged]
        stats.cache_write_error = cache.write_error
        stats.cache_write_failures, stats.cache_writes_stopped = cache.write_failures, cache.writes_stopped
    return [r for r in results if r is not None], stats


def _from_worker(payload: dict, paper: Paper) -> PaperExtraction:
    try:
        return PaperExtraction.from_dict(payload, paper=paper)
    except (ValueError, TypeError) as err:
        raise ExtractionError(f"A worker sent back an extraction kg cannot read ({err}).") from None


# --------------------------------------------------------------------------- in a worker

#: how a config inside the shipped pipelines/ folder is named to a worker, whose kg may be
#: installed elsewhere (--fast is pipelines/kg-fast.cfg)
SHIPPED = "kg.pipelines:"


def portable_config(config: str | None) -> str | None:
    """``config`` as a worker on another machine can find it: a shipped config by its name in
    ``kg.pipelines``, any other by its absolute path (which the worker must also see)."""
    if config is None:
        return None
    from kg.extraction import shipped_path

    path = Path(config).resolve()
    try:
        return SHIPPED + path.relative_to(shipped_path("").resolve()).as_posix()
    except ValueError:
        return str(path)


def local_config(config: str | None) -> str | None:
    """The inverse of :func:`portable_config`, on the worker."""
    if config is not None and config.startswith(SHIPPED):
        from kg.extraction import shipped_path

        return str(shipped_path(config[len(SHIPPED):]))
    return config


def worker_fingerprint(config: str | None) -> str:
    """:func:`~kg.extraction.cache.pipeline_fingerprint` of a portable config, on a worker."""
    return pipeline_fingerprint(local_config(config))


_pipelines: dict[str | None, Any] = {}
#: one pipeline per process, and spaCy does not promise that one Language may run in two threads
#: at once: the threads of a Dask worker take turns
_pipeline_lock = threading.Lock()


def _pipeline(config: str | None) -> Any:
    """The pipeline of ``config``, loaded once per worker process and kept."""
    if config not in _pipelines:
        from kg.extraction import load_pipeline

        _pipelines[config] = load_pipeline(local_config(config))
    return _pipelines[config]


def load_in_worker(config: str | None) -> str:
    """Load the pipeline in this worker (once) and return its fingerprint."""
    with _pipeline_lock:
        _pipeline(config)
    return worker_fingerprint(config)


def extract_shard(config: str | None, batch_size: int, papers: list[Paper]) -> list[dict]:
    """Extract one shard in a worker process (local pool or Dask): one dict per paper,
    :meth:`~kg.records.PaperExtraction.to_dict` with the paper left out."""
    from kg.extraction import extract

    with _pipeline_lock:
        extractions = extract(papers, _pipeline(config), batch_size=batch_size)
    return [e.to_dict(include_paper=False) for e in extractions]


# --------------------------------------------------------------------------- where shards run

Shard = list[int]


class _Workers:
    loading = ""
    description = "this process"

    def start(self) -> None:
        pass

    def map(self, batches: list[list[Paper]], shards: list[Shard]) -> Iterator[tuple[Shard, list[Any]]]:
        return iter(())

    def close(self) -> None:
        pass


class _NoWorkers(_Workers):
    description = "none (all from the cache)"


class _ThisProcess(_Workers):
    loading = "Loading the NLP pipeline"

    def __init__(self, plan: ExtractionPlan, load_here: Callable[[], Any]) -> None:
        self.plan, self.load_here, self.nlp = plan, load_here, None

    def start(self) -> None:
        self.nlp = self.load_here()

    def map(self, batches, shards):
        from kg.extraction import extract

        for batch, shard in zip(batches, shards):
            yield shard, extract(batch, self.nlp, batch_size=self.plan.batch_size)


def _pool_context() -> multiprocessing.context.BaseContext:
    # forkserver: workers are forked from a clean server process that has imported spaCy and kg
    # once, never from this process (which may hold threads: a Dask client's, a test runner's)
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["kg.extraction"])
        return context
    return multiprocessing.get_context("spawn")


def _pool_worker(conn: Connection, config: str | None) -> None:
    """A local worker process: load the pipeline, say so, then extract the shards it is sent
    until it is sent None or kg's end of the pipe closes (kg stopped or killed)."""
    # Ctrl-C reaches every process of the terminal's group: kg stops its workers itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        loaded = ("ready", load_in_worker(config))
    except Exception as err:  # sent to kg, which reports it in one line
        loaded = ("error", f"Cannot load the extraction pipeline in a worker: {_first_line(err)}")
    try:
        conn.send(loaded)
    except OSError:  # kg stopped while this worker loaded: nobody to tell
        return
    if loaded[0] == "error":
        return
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        batch_size, papers = task
        try:
            reply = ("done", extract_shard(config, batch_size, papers))
        except Exception as err:
            reply = ("error", f"Extraction failed in a worker: {_first_line(err)}")
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


class _PoolWorkers(_Workers):
    """``jobs`` processes on this machine, each loading the pipeline once when it starts and
    then taking one shard at a time through its own pipe.

    No executor, queue or feeder thread in between: kg hands a shard to a worker only when that
    worker is idle, notices a worker that dies (its process sentinel), and on an error or a stop
    (Ctrl-C, SIGTERM) terminates the workers at once rather than waiting for their shards.
    """

    def __init__(self, plan: ExtractionPlan, jobs: int) -> None:
        self.plan, self.jobs = plan, jobs
        self.loading = f"Loading the NLP pipeline in {jobs} worker processes"
        self.description = f"{jobs} worker processes"
        self.workers: list[tuple[Any, Connection]] = []

    def start(self) -> None:
        context = _pool_context()
        config = portable_config(self.plan.pipeline_config)
        for _ in range(self.jobs):
            try:
                ours, theirs = context.Pipe()
                process = context.Process(target=_pool_worker, args=(theirs, config), daemon=True,
                                          name="kg-extraction-worker")
                process.start()
            except (OSError, EOFError) as err:
                # forkserver's socket path (a long TMPDIR), a process limit (the forkserver
                # dies, and its pipe ends: EOFError, which click took for "Aborted!"), no /dev/shm
                why = getattr(err, "strerror", None) or str(err) or "the process that starts them ended"
                raise ExtractionError(
                    f"Cannot start the extraction's worker processes ({why}): "
                    "run with --jobs 1 to extract in this process."
                ) from None
            theirs.close()
            self.workers.append((process, ours))
        # every worker has loaded the pipeline (or said why it cannot) before the progress bar
        for process, conn in self.workers:
            self._receive(process, conn)

    def _receive(self, process: Any, conn: Connection) -> Any:
        try:
            kind, value = conn.recv()
        except (EOFError, OSError):
            raise ExtractionError(
                f"A worker process of the extraction died (exit status {process.exitcode}, out of "
                "memory?): try fewer --jobs."
            ) from None
        if kind == "error":
            raise ExtractionError(value)
        return value

    def map(self, batches, shards):
        todo = list(zip(batches, shards))
        todo.reverse()  # popped from the end: shards go out in input order
        busy: dict[Connection, tuple[Any, Shard]] = {}
        idle = list(self.workers)
        while todo or busy:
            while todo and idle:
                process, conn = idle.pop()
                batch, shard = todo.pop()
                conn.send((self.plan.batch_size, batch))
                busy[conn] = (process, shard)
            # a reply, or a worker that died without one (its sentinel)
            ready = connection_wait([*busy, *(process.sentinel for process, _ in busy.values())])
            for conn in sorted((c for c in busy if c in ready), key=lambda c: busy[c][1][0]):
                process, shard = busy.pop(conn)
                yield shard, self._receive(process, conn)
                idle.append((process, conn))
            for conn, (process, _) in busy.items():
                if process.sentinel in ready and not process.is_alive() and not conn.poll():
                    self._receive(process, conn)  # raises: the worker died

    def close(self) -> None:
        for process, conn in self.workers:
            if process.is_alive():
                try:
                    conn.send(None)
                except OSError:
                    pass
        for process, conn in self.workers:
            # an idle worker has been told to end; one still extracting (an error or a stop
            # here) is not waited for
            process.join(timeout=0.5)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
            conn.close()
        self.workers = []


class _DaskWorkers(_Workers):
    """The workers of an existing Dask cluster: one task per shard; each worker process loads
    the pipeline at its first shard and keeps it (:func:`_pipeline`)."""

    def __init__(self, plan: ExtractionPlan) -> None:
        self.plan = plan
        self.loading = f"Connecting to the Dask scheduler at {plan.dask_address}"
        self.description = f"the Dask cluster at {plan.dask_address}"
        self.client: Any = None

    def start(self) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise ExtractionError(
                "--dask needs Dask's distributed scheduler: pip install 'kg[dask]' (or 'dask[distributed]')."
            ) from None
        address = self.plan.dask_address
        try:
            self.client = Client(address, timeout=DASK_CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as err:
            raise ExtractionError(f"Cannot reach the Dask scheduler at {address}: {_first_line(err)}") from None
        workers = len(self.client.nthreads())
        if not workers:
            raise ExtractionError(f"The Dask cluster at {address} has no workers.")
        self.description = f"the Dask cluster at {address} ({workers} workers)"
        # every worker must extract as this machine would: same kg code, models and word lists
        expected = pipeline_fingerprint(self.plan.pipeline_config)
        try:
            theirs = set(self.client.run(worker_fingerprint, portable_config(self.plan.pipeline_config)).values())
        except Exception as err:  # raised on a worker, sent back as itself
            raise ExtractionError(f"The Dask workers cannot run kg's extraction: {_first_line(err)}") from None
        if theirs != {expected}:
            raise ExtractionError(
                f"The Dask workers at {address} have a different kg extraction pipeline than this "
                "machine (other kg code, models or word lists): install the same kg on them."
            )

    def map(self, batches, shards):
        from distributed import as_completed

        config, size = portable_config(self.plan.pipeline_config), self.plan.batch_size
        tag = f"{os.getpid()}-{threading.get_ident()}"
        futures = {
            # one task per shard, named for the dashboard; pure=False: never merged with another run's
            self.client.submit(extract_shard, config, size, batch, key=f"kg-extract-{tag}-{number}", pure=False): shard
            for number, (batch, shard) in enumerate(zip(batches, shards))
        }
        # this client is nobody's default (set_as_default=False): as_completed is told its loop
        for future in as_completed(futures, loop=self.client.loop):
            try:
                reply = future.result()
            except Exception as err:  # raised on a worker, sent back as itself
                raise ExtractionError(f"Extraction failed on the Dask cluster: {_first_line(err)}") from None
            future.release()
            yield futures[future], reply

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None


def _first_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__
