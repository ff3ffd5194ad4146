"""Runs `engine.analyze` over a plan's tasks: cached results first, then the rest, in parallel when it pays.

`analyze` is a pure function of (task, source), so a cached FileResult is as good as a fresh one;
cross-file rules run afterwards in `finish` over every result, cached or not.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

from ttminis_cli.lint.cache import Entry, ResultCache, stat_signature, task_keys, tool_fingerprint, user_key

# A process pool costs ~50 ms to start and feed; below this much uncached source a single process wins.
POOL_MIN_BYTES = 1_000_000
POOL_MIN_FILES = 8
# Work is shipped to the pool in batches of about this many bytes (big files go alone, first).
BATCH_BYTES = 256_000

Progress = Callable[[int, int], None]  # (files analysed so far, files to analyse)


@dataclass
class RunResult:
    results: list = field(default_factory=list)  # FileResult, in task order
    warnings: list[str] = field(default_factory=list)  # files that could not be read or analysed
    analysed: int = 0  # files not served from the cache


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def run(tasks: Sequence, *, cache_root: Path | None, config_salt: str = "",
        on_progress: Progress | None = None, jobs: int | None = None, tool: str | None = None) -> RunResult:
    """Analyse every task (a FileTask). With a cache root, a result comes from its cache when nothing
    it depends on changed, and fresh results are stored there. `tool`: cache.tool_fingerprint(), when
    the caller has it already."""
    from ttminis_cli.lint.engine import reusable

    task_key = task_keys(f"{tool or tool_fingerprint()}\0{config_salt}")
    cache = ResultCache(cache_root, user_key()) if cache_root is not None else None
    out = RunResult()
    slots: list = [None] * len(tasks)
    keys: list[str] = [""] * len(tasks)
    misses: list[tuple[int, int]] = []  # (task index, size)
    for i, task in enumerate(tasks):
        abs_path = task.ctx.abs_path
        entry = cached = None
        if cache is not None:
            # One analysis serves a file whether or not the default selection may skip it: the key is
            # the task but its `sniff`, and a result of minified or generated content is adapted to it.
            keys[i] = task_key((task.ctx, task.language))
            entry = cache.get(abs_path)
            if entry is not None and entry.task_key == keys[i]:
                cached = reusable(entry.result, task) if entry.result.content else entry.result
        try:
            st = os.stat(abs_path)
            if cached is not None and entry.stat is not None and entry.stat == stat_signature(st):
                slots[i] = cached
                continue
            source, st = read_source(abs_path)
        except OSError as exc:
            out.warnings.append(f"{task.ctx.path}: cannot read ({exc.strerror or exc}); skipped")
            continue
        if cached is not None and entry.digest == hashlib.sha256(source).hexdigest():
            slots[i] = cached
            if entry.stat != stat_signature(st):  # touched, not changed: trust the new stat next time
                cache.put(abs_path, entry._replace(stat=stat_signature(st)))
            continue
        misses.append((i, len(source)))

    if misses:
        workers = min(jobs or cpu_count(), len(misses))
        total_bytes = sum(size for _, size in misses)
        parallel = workers > 1 and len(misses) >= POOL_MIN_FILES and total_bytes >= POOL_MIN_BYTES
        analyse = _analyse_parallel if parallel else _analyse_serial
        for i, done in analyse([tasks[i] for i, _ in misses], misses, workers, on_progress):
            if done.problem:
                out.warnings.append(done.problem)
                continue
            slots[i] = done.result
            out.analysed += 1
            if cache is not None:
                cache.put(tasks[i].ctx.abs_path, Entry(keys[i], done.digest, done.stat, done.result))
    if cache is not None:
        cache.save()
    out.results = [r for r in slots if r is not None]
    return out


def read_source(path: str) -> tuple[bytes, os.stat_result]:
    """A regular file's bytes and stat. A FIFO or device named like a source file is refused, never waited on."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return fh.read(), st


class Analysed(NamedTuple):
    digest: str = ""  # sha256 of the bytes analysed
    stat: tuple[int, int, int] | None = None
    result: object = None  # FileResult
    problem: str | None = None  # why there is no result


def _analyse_one(task) -> Analysed:
    """Read and analyse one file. Runs in the parent or in a worker."""
    from ttminis_cli.lint import engine

    try:
        source, st = read_source(task.ctx.abs_path)
    except OSError as exc:
        return Analysed(problem=f"{task.ctx.path}: cannot read ({exc.strerror or exc}); skipped")
    try:
        return Analysed(hashlib.sha256(source).hexdigest(), stat_signature(st), engine.analyze(task, source))
    except RecursionError:
        return Analysed(problem=f"{task.ctx.path}: nested too deeply to analyse; skipped")
    except Exception as exc:  # a bug in one rule must not cost the user the other files' findings
        if os.environ.get("TTMINIS_DEBUG") == "1":
            raise
        return Analysed(problem=f"{task.ctx.path}: internal error while analysing ({type(exc).__name__}: {exc}); "
                                "skipped — this is a bug in ttminis, please report it (rerun with --debug)")


def _analyse_serial(tasks, misses, workers, on_progress):
    for n, (task, (i, _)) in enumerate(zip(tasks, misses), start=1):
        yield i, _analyse_one(task)
        if on_progress:
            on_progress(n, len(misses))


def _analyse_batch(tasks) -> list[Analysed]:
    return [_analyse_one(t) for t in tasks]


def _ignore_sigint() -> None:
    # Ctrl-C is the parent's to handle (watch mode exits 0); workers must not print tracebacks. SIGTERM
    # ends a worker at once (the parent's handler, inherited through fork, would raise in it).
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _batches(tasks, misses) -> list[list[tuple[int, object]]]:
    """Biggest files first so no core idles at the end; small files grouped to save round trips."""
    order = sorted(zip(tasks, misses), key=lambda tm: -tm[1][1])
    batches: list[list[tuple[int, object]]] = []
    current: list[tuple[int, object]] = []
    size = 0
    for task, (i, n) in order:
        current.append((i, task))
        size += n
        if size >= BATCH_BYTES:
            batches.append(current)
            current, size = [], 0
    if current:
        batches.append(current)
    return batches


def _analyse_parallel(tasks, misses, workers, on_progress):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from ttminis_cli.lint import engine  # noqa: F401  (imported once here, inherited by forked workers)

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method)
    tasks_by_index = {i: t for t, (i, _) in zip(tasks, misses)}
    done = 0
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_ignore_sigint)
    try:
        futures = {pool.submit(_analyse_batch, [t for _, t in batch]): [i for i, _ in batch]
                   for batch in _batches(tasks, misses)}
        for future in as_completed(futures):
            try:
                answers = future.result()
            except Exception as exc:  # a worker died (a crash in a native parser): report, go on
                answers = [Analysed(problem=f"{tasks_by_index[i].ctx.path}: analysis failed "
                                            f"({type(exc).__name__}); skipped — please report this file")
                           for i in futures[future]]
            yield from zip(futures[future], answers)
            done += len(futures[future])
            if on_progress:
                on_progress(done, len(misses))
    except BaseException:
        # Ctrl-C or SIGTERM: drop the queued batches and end the workers busy with a batch, instead of
        # leaving them to analyse a whole project for nobody.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)  # the pool notices its workers are gone: quick
        raise
    pool.shutdown()
