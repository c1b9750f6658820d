"""A client keeps as many connections to the engine as it had requests in flight at once, not one
per URL it asked for: docker-py's unix-socket adapter keeps a pool (and its idle connection) per
request URL, so reading 6 containers left 6 sockets open (tui/engine/client.py, _OnePoolAdapter)."""

import os

from tui.engine import Engine
from tui.engine.stats import PARALLEL, StatsReader


def _sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:  # the listing's own descriptor, closed meanwhile
            pass
    return count


def test_reading_many_containers_keeps_one_connection_per_request_in_flight(engine, spec_factory):
    ids = [engine.create_and_start(spec_factory()).id for _ in range(6)]
    before = _sockets()
    fresh = Engine.connect()  # as the `engine` fixture connects
    reader = StatsReader(fresh)
    try:
        for cid in ids:  # one after the other: one request in flight at a time
            assert fresh.inspect_container(cid).summary.running
        fresh.list_containers()
        fresh.ping()
        assert _sockets() - before == 1
        for _ in range(2):
            assert set(reader.read(ids)) == set(ids)
        # At most PARALLEL readings at a time, on the stats client's own connections.
        assert _sockets() - before <= 1 + PARALLEL
    finally:
        reader.close()
        fresh.close()
    assert _sockets() == before
