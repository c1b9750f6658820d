"""ServerRegistry: which container's Jupyter URL is known, and when to look for it (again)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tui.jupyter.server import JupyterServer
from tui.jupyter.servers import MAX_TRIES, RETRY_DELAY, ServerRegistry


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


SERVER = JupyterServer("127.0.0.1", 9000, "t" * 48)
OTHER = JupyterServer("127.0.0.1", 9001, "u" * 48)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def reg(clock) -> ServerRegistry:
    return ServerRegistry(clock=clock)


def _fail(reg: ServerRegistry, clock: Clock, cid: str = "c1") -> None:
    assert reg.should_discover(cid)
    reg.discovery_started(cid)
    reg.discovery_finished(cid, None)
    clock.advance(reg.retry_delay)


def test_defaults():
    reg = ServerRegistry()
    assert (reg.retry_delay, reg.max_tries) == (RETRY_DELAY, MAX_TRIES) == (2.0, 30)


def test_unknown_container_is_discovered_once_at_a_time(reg):
    assert reg.get("c1") is None and reg.should_discover("c1")
    reg.discovery_started("c1")
    assert not reg.should_discover("c1")  # in flight
    assert reg.should_discover("c2")  # others are independent
    reg.discovery_finished("c1", SERVER)
    assert reg.get("c1") == SERVER
    assert not reg.should_discover("c1")  # known
    assert reg.items() == [("c1", SERVER)] and len(reg) == 1


def test_retry_waits_for_the_delay(reg, clock):
    reg.discovery_started("c1")
    reg.discovery_finished("c1", None)
    assert reg.failures("c1") == 1
    assert not reg.should_discover("c1")
    assert reg.retry_in("c1") == pytest.approx(2.0)
    clock.advance(1.5)
    assert not reg.should_discover("c1") and reg.retry_in("c1") == pytest.approx(0.5)
    clock.advance(0.5)
    assert reg.should_discover("c1") and reg.retry_in("c1") == 0.0


def test_gives_up_after_max_tries(reg, clock):
    for _ in range(30):
        _fail(reg, clock)
    assert reg.gave_up("c1") and reg.failures("c1") == 30
    clock.advance(3600)
    assert not reg.should_discover("c1")


def test_thirty_failures_restart_discovered_again(reg, clock):
    """The bug this registry fixes: tries used to be counted for ever, so a container that was
    slow once never got its URL again, even after a restart."""
    for _ in range(30):
        _fail(reg, clock)
    assert not reg.should_discover("c1")
    reg.container_stopped("c1")
    reg.container_started("c1")
    assert reg.should_discover("c1")
    reg.discovery_started("c1")
    reg.discovery_finished("c1", SERVER)
    assert reg.get("c1") == SERVER


def test_started_alone_resets_tries_and_drops_the_old_server(reg, clock):
    """A quick restart may only show as "start": the engine may have picked another port."""
    for _ in range(30):
        _fail(reg, clock)
    reg.container_started("c1")
    assert reg.failures("c1") == 0 and reg.should_discover("c1")
    reg.set("c2", SERVER)
    reg.container_started("c2")
    assert reg.get("c2") is None and reg.should_discover("c2")


def test_stop_drops_the_server(reg):
    """A restart may bring another token or port."""
    reg.set("c1", SERVER)
    reg.container_stopped("c1")
    assert reg.get("c1") is None and reg.items() == []
    assert reg.should_discover("c1")


def test_forget_drops_everything(reg, clock):
    reg.set("c1", SERVER)
    _fail(reg, clock, "c2")
    reg.forget("c1")
    reg.forget("c2")
    reg.forget("never-seen")
    assert reg.get("c1") is None and reg.failures("c2") == 0 and len(reg) == 0


def test_answer_about_a_stopped_run_is_dropped(reg):
    """Discovery in flight while the container stops: its answer (found before the stop, or a
    failure because of it) describes a run that is over."""
    reg.discovery_started("c1")
    reg.container_stopped("c1")
    assert not reg.should_discover("c1")  # the old worker still runs: no second one
    assert reg.discovery_finished("c1", SERVER) is False
    assert reg.get("c1") is None
    assert reg.should_discover("c1")
    reg.discovery_started("c1")
    reg.forget("c1")
    assert reg.discovery_finished("c1", None) is False
    assert reg.failures("c1") == 0 and reg.should_discover("c1")
    reg.discovery_started("c1")
    assert reg.discovery_finished("c1", SERVER) is True and reg.get("c1") == SERVER


def test_set_replaces_and_resets(reg, clock):
    _fail(reg, clock)
    reg.set("c1", SERVER)
    reg.set("c1", OTHER)
    assert reg.get("c1") == OTHER and reg.failures("c1") == 0


@settings(max_examples=200)
@given(st.integers(1, 10), st.floats(0.01, 100))
def test_tries_and_delay_are_configurable(max_tries, delay):
    clock = Clock()
    reg = ServerRegistry(retry_delay=delay, max_tries=max_tries, clock=clock)
    for _ in range(max_tries):
        assert reg.should_discover("c")
        reg.discovery_started("c")
        reg.discovery_finished("c", None)
        clock.advance(delay * 0.99)
        assert not reg.should_discover("c")
        clock.advance(delay * 0.02)
    assert reg.gave_up("c") and not reg.should_discover("c")


class RegistryMachine(RuleBasedStateMachine):
    """Any sequence of events keeps the registry's promises."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.reg = ServerRegistry(clock=self.clock, max_tries=3, retry_delay=1.0)
        self.in_flight: set[str] = set()

    cids = st.sampled_from(["a", "b"])

    @rule(cid=cids)
    def start_discovery(self, cid):
        if self.reg.should_discover(cid):
            self.reg.discovery_started(cid)
            self.in_flight.add(cid)

    @rule(cid=cids, found=st.booleans())
    def finish_discovery(self, cid, found):
        if cid in self.in_flight:
            self.in_flight.discard(cid)
            self.reg.discovery_finished(cid, SERVER if found else None)

    @rule(cid=cids)
    def stopped(self, cid):
        self.reg.container_stopped(cid)
        assert self.reg.get(cid) is None

    @rule(cid=cids)
    def started(self, cid):
        self.reg.container_started(cid)
        assert self.reg.failures(cid) == 0 and self.reg.get(cid) is None

    @rule(cid=cids)
    def removed(self, cid):
        self.reg.forget(cid)
        assert self.reg.get(cid) is None

    @rule(seconds=st.floats(0, 5))
    def time_passes(self, seconds):
        self.clock.advance(seconds)

    @invariant()
    def promises(self):
        for cid in ("a", "b"):
            if self.reg.should_discover(cid):
                assert self.reg.get(cid) is None and cid not in self.in_flight
                assert self.reg.failures(cid) < 3
            assert 0 <= self.reg.failures(cid) <= 3
            assert 0.0 <= self.reg.retry_in(cid) <= 1.0


TestRegistryMachine = RegistryMachine.TestCase
