"""The garbage collector and a full screen: keep its full passes short.

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


def settle() -> None:
    """Call once start-up is over (the first screen drawn, the engine's first lists shown)."""
    gc.collect()
    gc.freeze()
