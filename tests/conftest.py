"""Fixtures shared by every test: the real engine of the rig, and cleanup of what tests create."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.rig import BUSYBOX, TEST_LABEL, unique
from tui.engine import ContainerSpec, Engine, EngineError

# No per-example deadline: a loaded 2-core CI machine would make timing-based failures flaky.
# HYPOTHESIS_PROFILE=thorough runs ten times the examples.
settings.register_profile("jtui", deadline=None)
settings.register_profile("thorough", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "jtui"))

TESTS = Path(__file__).parent
# Whole folders that need the rig (the engine, tmux, a browser) whatever fixtures they use.
ENGINE_FOLDERS = ("engine", "terminal")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that needs the real engine, so `-m "not engine"` runs the pure ones alone:
    the tests in the rig's folders, and any test whose fixtures (directly or through other
    fixtures) include `engine`."""
    for item in items:
        try:
            folder = item.path.relative_to(TESTS).parts[0]
        except ValueError:
            folder = ""
        if folder in ENGINE_FOLDERS or "engine" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.engine)


def _remove_test_objects(engine: Engine) -> None:
    for c in engine.api.containers(all=True, filters={"label": TEST_LABEL}):
        try:
            engine.api.remove_container(c["Id"], force=True)
        except Exception:
            pass
    for img in engine.api.images(filters={"label": TEST_LABEL}):
        try:
            engine.api.remove_image(img["Id"], force=True)
        except Exception:
            pass


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    """The rig's engine. No skip: if it does not answer, the rig is broken and the test fails."""
    try:
        eng = Engine.connect()
    except EngineError as exc:
        pytest.fail(f"The test rig's Docker engine does not answer ({exc}); run tests/rig/setup.sh")
    _remove_test_objects(eng)
    yield eng
    _remove_test_objects(eng)
    eng.close()


@pytest.fixture
def spec_factory(engine):
    """ContainerSpecs labelled for cleanup, with unique names; what was made from them is removed
    when the test ends (later tests, e.g. in a terminal, look at a short list)."""
    names: list[str] = []

    def make(image: str = BUSYBOX, **kwargs) -> ContainerSpec:
        kwargs.setdefault("name", unique())
        names.append(kwargs["name"])
        labels = {TEST_LABEL: "1", **kwargs.pop("labels", {})}
        return ContainerSpec(image=image, labels=labels, **kwargs)

    yield make
    made = {f"/{name}" for name in names}
    # By name, not label: a test may launch with a spec_factory name through code that sets its
    # own labels (the launcher).
    for c in engine.api.containers(all=True):
        if made.intersection(c.get("Names") or ()):
            try:
                engine.api.remove_container(c["Id"], force=True)
            except Exception:  # gone already, or the test cut the engine: the session end retries
                pass


@pytest.fixture
def busybox(engine, spec_factory):
    """A running busybox container (imported image: Env and Labels are null in its config)."""
    details = engine.create_and_start(spec_factory())
    yield details
    try:
        engine.remove(details.id, force=True)
    except EngineError:
        pass


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port on 127.0.0.1 held by a plain socket, as another program would hold it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield sock.getsockname()[1]
    sock.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
