"""Worker processes for the parallel parts (validating snapshots, computing steps)."""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor


def default_workers() -> int:
    """Worker processes to use when not told: the CPU count, at most 4; none (1: work in this
    process) from a thread other than the main one, which already shares the CPUs with its
    siblings (``check`` verifies sources in threads) and must not fork."""
    if threading.current_thread() is not threading.main_thread():
        return 1
    return min(4, os.cpu_count() or 1)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes.

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
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))
