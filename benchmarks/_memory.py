"""Peak memory of one step, measured in a fresh process (Linux): shared by the benchmarks.

Why by hand: ``ru_maxrss`` never goes down, so a step's peak could hide below the peak of
building its inputs; and glibc keeps freed blocks and raises its mmap threshold after large
frees, so a later step may reuse memory without raising the resident set. Here the child
process resets the kernel's high-water mark just before the step (``/proc/self/clear_refs``,
Linux >= 4.0) and runs with a fixed mmap threshold, so large blocks come from and go back to
the kernel and the step's own high-water mark is what is read.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable

MMAP_THRESHOLD = "65536"  # bytes; fixed, so glibc does not raise it after large frees


def status_bytes(field: str) -> int:
    """A memory figure of this process from ``/proc/self/status`` (reported there in kB)."""
    with open("/proc/self/status") as file:
        for line in file:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def peak_of(step: Callable[[], None]) -> int:
    """Bytes by which the resident set rose at its peak while ``step()`` ran (call in the child)."""
    with open("/proc/self/clear_refs", "w") as file:
        file.write("5")  # reset VmHWM to the current resident set
    before = status_bytes("VmRSS")
    step()
    return status_bytes("VmHWM") - before


def run_isolated(target: Callable, *args) -> tuple[int, object]:
    """Run ``target(*args, queue)`` in a spawned process with the fixed mmap threshold.

    Returns ``(exit code, what target put on the queue or None)``; a process killed for memory
    gives a non-zero exit code and ``None``.
    """
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    saved = os.environ.get("MALLOC_MMAP_THRESHOLD_")
    os.environ["MALLOC_MMAP_THRESHOLD_"] = MMAP_THRESHOLD  # the child inherits it at start
    try:
        process.start()
    finally:
        if saved is None:
            del os.environ["MALLOC_MMAP_THRESHOLD_"]
        else:
            os.environ["MALLOC_MMAP_THRESHOLD_"] = saved
    process.join()
    return process.exitcode, (queue.get() if process.exitcode == 0 else None)
