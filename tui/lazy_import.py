"""Deferred imports: a module that some library imports but jtui does not use costs nothing until
something touches it.

docker-py imports paramiko (and through it cryptography and invoke) when it is imported, for its
own ssh transport, which jtui never uses: for ssh:// it runs the `ssh` client (use_ssh_client).
That import took 0.1 s and 15 MB of the 64 MB jtui held after its imports (`python -X
importtime`, /proc/self/status). requests imports charset_normalizer (9 ms, 3 MB) to guess the
encoding of a response that names none, which the engine's never need. The `jtui` command defers
both; the real module is imported the first time anything reads one of its names, so nothing
breaks if some code path does use it.

Plain Python: no textual, no docker-py.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

_lock = threading.Lock()


class _Deferred(types.ModuleType):
    """Stands in `sys.modules` for a module not imported yet. `import name` gets this (its
    `__spec__` and `__path__` are the real ones, so the import system sees a finished module);
    reading any other name imports the real module, copies its names here (for whoever holds
    this object) and puts the real one in `sys.modules`."""

    def __getattr__(self, attr: str) -> Any:  # only called for names not here yet
        return getattr(_load(self), attr)


def _load(stand_in: _Deferred) -> types.ModuleType:
    name = stand_in.__name__
    with _lock:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
            real = importlib.import_module(name)
            stand_in.__dict__.update(real.__dict__)
        else:
            real = sys.modules.get(name) or importlib.import_module(name)
    return real


def defer(name: str, **known: Any) -> bool:
    """Make `import name` cheap until one of its names is used; `known` names are answered
    without importing it (e.g. a `__version__` that an importer only compares). False (and
    nothing done) when the module is imported already or not installed."""
    if name in sys.modules:
        return False
    spec = importlib.util.find_spec(name)
    if spec is None:
        return False
    stand_in = _Deferred(name)
    stand_in.__spec__ = spec
    stand_in.__file__ = spec.origin
    if spec.submodule_search_locations is not None:
        # A package: `from name import x` looks for it (and a submodule can be found through it)
        # without running the package's own code.
        stand_in.__path__ = list(spec.submodule_search_locations)
    stand_in.__dict__.update(known)
    sys.modules[name] = stand_in
    return True


def is_deferred(name: str) -> bool:
    """True while `name` is still deferred (imported by name only: none of its code has run)."""
    return isinstance(sys.modules.get(name), _Deferred)


def defer_unused_imports() -> None:
    """What the `jtui` command defers (see the top of this module); before docker-py is imported."""
    import importlib.metadata  # here: `jtui --help` must not pay for it

    defer("paramiko")
    try:
        # requests compares the version only; the rest of the module is for guessing encodings.
        version = importlib.metadata.version("charset-normalizer")
    except importlib.metadata.PackageNotFoundError:
        return
    defer("charset_normalizer", __version__=version)
