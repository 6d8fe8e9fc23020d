"""Worker processes for the parallel parts (validating snapshots, computing steps), which
die with the process that started them."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

PARENT_POLL_S = 0.5
"""How often a worker checks that its parent still lives (where the kernel cannot tell it)."""
_PR_SET_PDEATHSIG = 1


def default_workers() -> int:
    """Worker processes to use when not told: the CPU count, at most 4; none (1: work in this
    process) from a thread other than the main one, which already shares the CPUs with its
    siblings (``check`` verifies sources in threads) and must not fork."""
    if threading.current_thread() is not threading.main_thread():
        return 1
    return min(4, os.cpu_count() or 1)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes that end when this process ends, however it ends
    (see :func:`_die_with_parent`).

    They are forked from this process when it runs no other thread: they then start with
    everything already imported (numpy, shapely, pyproj and the package take about half a
    second to import in a new process) and the tiled outline already built. Forking while
    other threads run is unsafe (a lock held by one of them stays held in the child), so
    otherwise they come from a fork server (or are spawned where there is none)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        method = "fork"
    else:
        method = "forkserver" if "forkserver" in methods else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=_die_with_parent, initargs=(os.getpid(),))  # fmt: skip


@contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """:func:`process_pool` for a block: on a normal exit it waits for the jobs; on an
    error or an interrupt (Ctrl-C, SIGTERM) it cancels them and ends the workers at once
    instead of waiting for the jobs they run."""
    pool = process_pool(workers)
    try:
        yield pool
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel the pending jobs and kill the workers now."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.kill()
    for p in procs:
        p.join(timeout=5)


def _die_with_parent(parent: int) -> None:
    """Run in each worker as it starts: end it when the process that made the pool is gone
    (killed with SIGKILL, it can clean nothing up itself). On Linux the kernel sends the
    worker SIGKILL when its parent dies; a thread also watches the parent's pid, for the
    other systems and for workers whose parent is a fork server."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the thread does it
            pass
    # interrupts are for the parent: a worker leaves on its parent's word, or when it dies
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ppid = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != ppid or not _alive(parent):
                os._exit(1)

    threading.Thread(target=watch, name="frontwatch-parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's pid now: the parent is gone
        return False
    return True
