"""The event stream and log streams: whole lines, both streams, and cancellation."""

import threading
import time

from tests.rig import BUSYBOX


def _collect_in_thread(stream, sink, stop_when=None):
    def run():
        for item in stream:
            sink.append(item)
            if stop_when and stop_when(sink):
                return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_events_see_create_start_die_destroy_and_close(engine, spec_factory):
    stream = engine.events()
    seen = []
    thread = _collect_in_thread(stream, seen)
    details = engine.create_and_start(spec_factory())
    engine.remove(details.id, force=True)
    deadline = time.monotonic() + 10
    wanted = {"create", "start", "die", "destroy"}
    while time.monotonic() < deadline:
        actions = {e.base_action for e in seen if e.actor_id == details.id}
        if wanted <= actions:
            break
        time.sleep(0.05)
    mine = [e for e in seen if e.actor_id == details.id]
    assert wanted <= {e.base_action for e in mine}
    assert all(e.type == "container" and e.name == details.name for e in mine)
    started = time.monotonic()
    stream.close()
    thread.join(5)
    assert not thread.is_alive(), "close() did not end the event stream"
    assert time.monotonic() - started < 5


def test_logs_whole_lines_both_streams_and_timestamps(engine, spec_factory):
    # printf without newline, then the rest later: frames must be joined into one line.
    script = "echo out1; echo err1 >&2; printf 'part-'; sleep 0.3; echo joined; sleep 1000"
    details = engine.create_and_start(spec_factory(command=["sh", "-c", script]))
    lines = []
    stream = engine.logs(details.id, tail=100, timestamps=True, follow=True)
    thread = _collect_in_thread(stream, lines, lambda s: any(l.text == "part-joined" for l in s))
    thread.join(10)
    stream.close()
    texts = [(l.stream, l.text) for l in lines]
    assert ("stdout", "out1") in texts
    assert ("stderr", "err1") in texts
    assert ("stdout", "part-joined") in texts
    assert all(l.timestamp.startswith("20") for l in lines)


def test_follow_sees_new_lines_and_close_unblocks(engine, spec_factory):
    script = "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done"
    details = engine.create_and_start(spec_factory(command=["sh", "-c", script]))
    lines = []
    stream = engine.logs(details.id, tail=0, follow=True)
    thread = _collect_in_thread(stream, lines)
    deadline = time.monotonic() + 10
    while len(lines) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(lines) >= 3 and lines[0].text.startswith("tick ")
    stream.close()
    thread.join(5)
    assert not thread.is_alive(), "close() did not end the log stream"


def test_tail_is_an_int_and_since_resumes(engine, spec_factory):
    script = "for i in 1 2 3 4 5 6 7 8 9 10; do echo line $i; done; sleep 1000"
    details = engine.create_and_start(spec_factory(command=["sh", "-c", script]))
    time.sleep(0.5)
    last3 = list(engine.logs(details.id, tail=3, follow=False))
    assert [l.text for l in last3] == ["line 8", "line 9", "line 10"]
    everything = list(engine.logs(details.id, tail=None, follow=False, timestamps=True))
    assert len(everything) == 10
    later = list(engine.logs(details.id, tail=None, follow=False,
                             since=int(time.time()) + 5))
    assert later == []


def test_huge_line_and_binary_are_bounded_and_decoded(engine, spec_factory):
    from tui.engine.streams import MAX_LINE
    size = MAX_LINE + 500_000
    script = (f"head -c {size} /dev/zero | tr '\\0' x; echo; "
              "printf 'bin\\377\\376\\001end\\n'; sleep 1000")
    details = engine.create_and_start(spec_factory(command=["sh", "-c", script]))
    time.sleep(1.0)
    lines = list(engine.logs(details.id, tail=None, follow=False))
    assert max(len(l.text) for l in lines) <= MAX_LINE
    # With timestamps, the engine's 16 KB pieces each carry a stamp: only the line's first stays.
    stamped = list(engine.logs(details.id, tail=None, follow=False, timestamps=True))
    assert sum(len(l.text) for l in stamped if l.text.startswith("x")) == size
    assert stamped[0].timestamp and all(l.timestamp for l in stamped if not l.text.startswith("x"))
    assert sum(len(l.text) for l in lines if l.text.startswith("x")) == size
    assert any(l.text.startswith("bin") and l.text.endswith("end") for l in lines)
    assert any("\ufffd" in l.text for l in lines)


def test_logs_of_exited_container_end_by_themselves(engine, spec_factory):
    details = engine.create_and_start(spec_factory(command=["sh", "-c", "echo bye"]))
    time.sleep(0.5)
    assert [l.text for l in engine.logs(details.id, follow=True, tail=None)] == ["bye"]


def test_image_events_are_streamed(engine):
    stream = engine.events()
    seen = []
    thread = _collect_in_thread(stream, seen)
    engine.api.tag(BUSYBOX, "jtui-test/busybox", "event-probe")
    engine.remove_image("jtui-test/busybox:event-probe")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not {"tag", "untag"} <= {e.action for e in seen}:
        time.sleep(0.05)
    stream.close()
    thread.join(5)
    assert {"tag", "untag"} <= {e.action for e in seen if e.type == "image"}
