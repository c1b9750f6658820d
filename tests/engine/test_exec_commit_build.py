"""Streamed exec with exit codes, commit, and builds from Dockerfile text."""

import threading

import pytest

from tests.rig import BUSYBOX, TEST_LABEL, unique
from tui.engine import BuildFailed, BuildResult, Cancelled


def test_exec_streams_lines_and_exit_code(engine, busybox):
    out = list(engine.exec_stream(busybox.id, ["sh", "-c", "echo one; echo two >&2; exit 3"]))
    assert ("stdout", "one") in [(o.stream, o.text) for o in out]
    assert ("stderr", "two") in [(o.stream, o.text) for o in out]
    assert out[-1].stream == "exit" and out[-1].text == "3"


def test_exec_arguments_are_not_shell_parsed(engine, busybox):
    out = list(engine.exec_stream(busybox.id, ["echo", "$HOME; rm -rf /", "a  b"]))
    assert out[0].text == "$HOME; rm -rf / a  b"
    assert out[-1].text == "0"


def test_exec_missing_binary(engine, busybox):
    out = list(engine.exec_stream(busybox.id, ["no-such-binary"]))
    assert out[-1].stream == "exit" and out[-1].text in ("126", "127")


def test_exec_cancel(engine, busybox):
    cancel = threading.Event()
    seen = []
    with pytest.raises(Cancelled):
        for item in engine.exec_stream(busybox.id, ["sh", "-c", "while true; do echo y; sleep 0.1; done"],
                                       cancel=cancel):
            seen.append(item)
            if len(seen) >= 3:
                cancel.set()
    assert len(seen) >= 3


def test_exec_cancel_of_a_silent_command(engine, busybox):
    import time
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        list(engine.exec_stream(busybox.id, ["sleep", "60"], cancel=cancel))
    assert time.monotonic() - started < 5


def test_commit_keeps_files(engine, busybox, spec_factory):
    engine.exec_capture(busybox.id, ["sh", "-c", "echo kept > /installed.txt"])
    repo = f"jtui-test/committed-{unique('c')}"
    image_id = engine.commit(busybox.id, repo, "v1", message="after install",
                             changes=[f"LABEL {TEST_LABEL}=1"])
    assert image_id.startswith("sha256:")
    assert any(f"{repo}:v1" in img.tags for img in engine.list_images())
    child = engine.create_and_start(spec_factory(image=f"{repo}:v1", command=["sleep", "1000"]))
    assert engine.exec_capture(child.id, ["cat", "/installed.txt"]) == (0, "kept\n")


def test_build_streams_and_tags(engine):
    tag = f"jtui-test/built-{unique('b')}:latest"
    dockerfile = f"FROM {BUSYBOX}\nCOPY pkg.txt /pkg.txt\nRUN echo built > /built.txt\nLABEL {TEST_LABEL}=1\n"
    items = list(engine.build(dockerfile, tag, files={"pkg.txt": b"from the context"}))
    lines = [i for i in items if isinstance(i, str)]
    result = items[-1]
    assert isinstance(result, BuildResult) and result.image_id.startswith("sha256:")
    assert any(l.startswith("Step 1/4 : FROM") for l in lines)
    assert tag in engine.inspect_image(tag).tags


def test_build_failure_names_the_step(engine):
    tag = f"jtui-test/broken-{unique('b')}:latest"
    dockerfile = f"FROM {BUSYBOX}\nRUN echo fine\nRUN sh -c 'echo failing; exit 7'\n"
    with pytest.raises(BuildFailed) as err:
        list(engine.build(dockerfile, tag))
    assert err.value.step.startswith("Step 3/3 : RUN")
    assert "7" in err.value.message
