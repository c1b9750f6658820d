"""The garbage collector and the C heap: keep full collection passes short and memory bounded.

CPython's cyclic collector now and then runs a full pass over every object it tracks. After
start-up that is ~120,000 objects (modules, classes, Textual's widgets and styles), and in a log
flood, which makes and drops objects quickly, full passes came every second or so and each held
the UI thread 0.5-0.6 s (measured with gc callbacks around the flood of tests/app/test_log_view.py):
the keys waited that long.

`gc.freeze()` moves every object alive at that moment to a generation the collector never
scans. It keeps nothing alive: an object still goes when its last reference does; only garbage
cycles made before the freeze would stay, which is why a collection runs first. After it, the same
full passes took 0.01-0.03 s.
"""

from __future__ import annotations

import gc
import sys

M_ARENA_MAX = -8  # glibc's mallopt parameter
ARENAS = 2


def settle() -> None:
    """Call once start-up is over (the first screen drawn, the engine's first lists shown)."""
    gc.collect()
    gc.freeze()


def limit_arenas() -> None:
    """Call before threads start. glibc gives each thread that allocates an arena of its own, up
    to 8 per core, and freed memory stays in the arena of the thread that used it: jtui's
    threads (engine events, stats readings, workers) held ~6 MB more that way than with two
    arenas (benchmarks/run.py, RSS after 40 s idle). jtui's threads mostly wait on sockets, so
    sharing arenas costs no measurable speed. Elsewhere than glibc: nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        mallopt = getattr(libc, "mallopt", None)
        if mallopt is not None:
            mallopt(M_ARENA_MAX, ARENAS)
    except OSError:  # no C library to ask (a static or unusual build): leave malloc as it is
        pass
