"""Pause, kill with a signal, rename, copy files both ways, Compose projects: on the real engine."""

import hashlib
import os
import shutil
import subprocess
import threading

import pytest

from tests.rig import BUSYBOX, TEST_LABEL, unique
from tui.engine import NameInUse
from tui.engine.actions import (
    CONFIG_FILES_LABEL,
    PROJECT_LABEL,
    SERVICE_LABEL,
    WORKING_DIR_LABEL,
    InvalidSignal,
    NoSuchPath,
    NotAFolder,
    compose_argv,
    compose_cli_job,
    compose_command,
    compose_project,
    copy_in_job,
    copy_out_job,
    kill_job,
    name_problem,
    parse_signal,
    pause_job,
    rename,
)
from tui.engine.jobs import Done, lifecycle_job

# PID 1 ignores SIGTERM unless it handles it: this one exits 42 on SIGTERM, so the exit code
# tells which signal arrived (SIGKILL gives 137).
TRAPS_TERM = ["sh", "-c", "trap 'exit 42' TERM; while true; do sleep 0.1; done"]


def finish(job):
    """Run a job to its end; its Done (a failure raises)."""
    events = list(job(threading.Event()))
    assert isinstance(events[-1], Done), events
    return events[-1]


def summary(engine, cid):
    return next(c for c in engine.list_containers() if c.id == cid)


def test_pause_and_unpause_toggle_by_state(engine, spec_factory):
    a = engine.create_and_start(spec_factory())
    b = engine.create_and_start(spec_factory())
    done = finish(pause_job(engine, [summary(engine, a.id), summary(engine, b.id)]))
    assert not done.error and done.value[0] == [f"paused {a.name}", f"paused {b.name}"]
    assert engine.api.inspect_container(a.id)["State"]["Paused"] is True
    assert summary(engine, b.id).state == "paused"
    # The same key again unpauses (it toggles by the state the row shows).
    done = finish(pause_job(engine, [summary(engine, a.id)]))
    assert done.summary == f"Unpaused {a.name}."
    assert engine.api.inspect_container(a.id)["State"]["Paused"] is False
    assert summary(engine, a.id).state == "running"
    # A stopped container is not paused, and says why.
    engine.stop(a.id, grace=0)
    done = finish(pause_job(engine, [summary(engine, a.id)]))
    assert done.error and "exited" in done.value[1][0]


def test_kill_sends_the_chosen_signal(engine, spec_factory):
    term = engine.create_and_start(spec_factory(command=TRAPS_TERM))
    kill = engine.create_and_start(spec_factory(command=TRAPS_TERM))
    assert parse_signal("term") == parse_signal("15") == parse_signal(" SIGTERM ") == "SIGTERM"
    for bad in ("SIGFOO", "64", "kill -9", " "):
        with pytest.raises(InvalidSignal):
            parse_signal(bad)
    assert finish(kill_job(engine, [summary(engine, term.id)], "SIGTERM")).summary == \
        f"Sent SIGTERM to {term.name}."
    finish(kill_job(engine, [summary(engine, kill.id)], "SIGKILL"))
    engine.api.wait(term.id, timeout=10)
    engine.api.wait(kill.id, timeout=10)
    assert engine.inspect_container(term.id).exit_code == 42  # the trap ran
    assert engine.inspect_container(kill.id).exit_code == 137  # 128 + 9: no chance to trap
    # Killing a stopped container fails with the engine's reason, for that container only.
    done = finish(kill_job(engine, [summary(engine, term.id)], "SIGKILL"))
    assert done.error and done.value[1][0].startswith(f"{term.name}: ") and "not running" in done.value[1][0]


def test_rename_and_a_taken_name(engine, spec_factory):
    a = engine.create_and_start(spec_factory())
    b = engine.create_and_start(spec_factory())
    new = unique()
    spec_factory(name=new)  # so the fixture removes it under its new name
    rename(engine, a.id, new)
    assert summary(engine, a.id).name == new
    with pytest.raises(NameInUse) as refused:
        rename(engine, b.id, new)
    assert new in refused.value.hint and "already exists" in refused.value.hint
    assert summary(engine, b.id).name == b.name
    assert name_problem("x") and name_problem("-lead") and name_problem("a b") and name_problem("é1")
    assert name_problem("my-notebook_2.0") is None


def _tree(root):
    """{relative path: sha256} of every file under root (a file root: its own name)."""
    if os.path.isfile(root):
        return {os.path.basename(root): hashlib.sha256(open(root, "rb").read()).hexdigest()}
    out = {}
    for folder, _, files in os.walk(root):
        for f in files:
            path = os.path.join(folder, f)
            out[os.path.relpath(path, root)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    return out


def test_copy_files_both_ways_byte_identical(engine, busybox, tmp_path):
    c = summary(engine, busybox.id)
    blob = tmp_path / "src" / "random.bin"
    blob.parent.mkdir()
    blob.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    folder = tmp_path / "src" / "project"
    (folder / "data" / "deeper").mkdir(parents=True)
    (folder / "notes.txt").write_text("hello\n")
    (folder / "data" / "a.bin").write_bytes(os.urandom(70_000))
    (folder / "data" / "deeper" / "b.bin").write_bytes(os.urandom(5))
    (folder / "empty.txt").write_bytes(b"")
    os.symlink("notes.txt", folder / "link-to-notes")
    engine.exec_capture(c.id, ["sh", "-c", "mkdir -p /work && chown 1000:100 /work"])

    # In: into an existing folder (the copy keeps its name), owned by that folder's owner.
    done = finish(copy_in_job(engine, c, str(blob), "/work"))
    assert done.value.files == 1 and done.value.bytes == blob.stat().st_size
    done = finish(copy_in_job(engine, c, str(folder), "/work"))
    assert done.value.files == 4
    code, sums = engine.exec_capture(c.id, ["sh", "-c", "cd /work && sha256sum random.bin project/notes.txt "
                                            "project/data/a.bin project/data/deeper/b.bin"])
    assert code == 0
    inside = {line.split()[1]: line.split()[0] for line in sums.splitlines()}
    assert inside["random.bin"] == _tree(blob)["random.bin"]
    assert inside["project/data/a.bin"] == _tree(folder)["data/a.bin"]
    assert inside["project/data/deeper/b.bin"] == _tree(folder)["data/deeper/b.bin"]
    assert engine.exec_capture(c.id, ["stat", "-c", "%u:%g", "/work/project/data/a.bin"]) == (0, "1000:100\n")
    assert engine.exec_capture(c.id, ["readlink", "/work/project/link-to-notes"]) == (0, "notes.txt\n")
    # In under a new name (the parent exists), as `docker cp` does.
    finish(copy_in_job(engine, c, str(blob), "/work/renamed.bin"))
    assert engine.exec_capture(c.id, ["sha256sum", "/work/renamed.bin"])[1].split()[0] == inside["random.bin"]

    # Out: into an existing folder, and under a new name.
    out = tmp_path / "out"
    out.mkdir()
    done = finish(copy_out_job(engine, c, "/work/project", str(out)))
    assert done.value.files == 4 and done.value.destination == str(out / "project")
    assert _tree(out / "project") == _tree(folder)
    assert os.readlink(out / "project" / "link-to-notes") == "notes.txt"
    finish(copy_out_job(engine, c, "/work/random.bin", str(out / "copy.bin")))
    assert (out / "copy.bin").read_bytes() == blob.read_bytes()

    # Errors in the user's words.
    with pytest.raises(NoSuchPath) as missing:
        finish(copy_out_job(engine, c, "/no/such/thing", str(out)))
    assert "'/no/such/thing'" in missing.value.hint and c.name in missing.value.hint
    with pytest.raises(NoSuchPath) as missing:
        finish(copy_in_job(engine, c, str(blob), "/no/such/folder/x"))
    assert "/no/such/folder" in missing.value.hint
    with pytest.raises(NoSuchPath) as missing:
        finish(copy_in_job(engine, c, str(tmp_path / "nothing-here"), "/work"))
    assert "on this machine" in missing.value.hint
    with pytest.raises(NoSuchPath):
        finish(copy_out_job(engine, c, "/work/random.bin", str(tmp_path / "no" / "dir" / "x")))
    with pytest.raises(NotAFolder):
        finish(copy_in_job(engine, c, str(folder), "/work/random.bin"))


def test_compose_project_grouped_and_stopped_as_one(engine, spec_factory, tmp_path):
    project = unique("jtuiproj")
    labels = lambda service: {PROJECT_LABEL: project, SERVICE_LABEL: service,  # noqa: E731
                              WORKING_DIR_LABEL: str(tmp_path),
                              CONFIG_FILES_LABEL: str(tmp_path / "compose.yml")}
    web = engine.create_and_start(spec_factory(labels=labels("web")))
    db = engine.create_and_start(spec_factory(labels=labels("db")))
    other = engine.create_and_start(spec_factory())
    everyone = engine.list_containers()
    found = compose_project(summary(engine, web.id), everyone)
    assert found.name == project and [c.id for c in found.containers] == [db.id, web.id]
    assert found.working_dir == str(tmp_path) and found.missing_files == [str(tmp_path / "compose.yml")]
    assert compose_project(summary(engine, other.id), everyone) is None
    done = finish(lifecycle_job(engine, "stop", [(c.id, c.name) for c in found.containers], 1))
    assert sorted(done.value[0]) == sorted([web.name, db.name])
    assert {summary(engine, cid).state for cid in (web.id, db.id)} == {"exited"}
    assert summary(engine, other.id).state == "running"


COMPOSE_FILE = f"""\
version: "2.4"
services:
  web:
    image: {BUSYBOX}
    command: ["sleep", "100000"]
    labels: {{"{TEST_LABEL}": "1"}}
  worker:
    image: {BUSYBOX}
    command: ["sleep", "100000"]
    labels: {{"{TEST_LABEL}": "1"}}
"""


def test_compose_up_and_down_through_the_cli(engine, tmp_path):
    command = compose_command()
    assert command is not None, "tests/rig/setup.sh installs docker-compose"
    assert compose_command(lambda name: None) is None  # neither installed: None, said by the UI
    (tmp_path / "compose.yml").write_text(COMPOSE_FILE)
    project = unique("jtuiproj")
    subprocess.run([*command, "-p", project, "-f", str(tmp_path / "compose.yml"), "up", "-d"],
                   check=True, capture_output=True, cwd=tmp_path, timeout=120)
    try:
        members = [c for c in engine.list_containers() if c.labels.get(PROJECT_LABEL) == project]
        assert len(members) == 2
        found = compose_project(members[0], engine.list_containers())
        assert found.config_files == (str(tmp_path / "compose.yml"),) and not found.missing_files
        done = finish(compose_cli_job(compose_argv(command, found, "down", []), found.working_dir))
        assert not done.error, done
        assert not [c for c in engine.list_containers() if c.labels.get(PROJECT_LABEL) == project]
        done = finish(compose_cli_job(compose_argv(command, found, "up", []), found.working_dir))
        assert not done.error and done.summary == "up: exit code 0"
        running = [c for c in engine.list_containers() if c.labels.get(PROJECT_LABEL) == project]
        assert sorted(c.labels[SERVICE_LABEL] for c in running) == ["web", "worker"]
        assert {c.state for c in running} == {"running"}
    finally:
        subprocess.run([*command, "-p", project, "-f", str(tmp_path / "compose.yml"), "down", "-t", "0"],
                       capture_output=True, cwd=tmp_path, timeout=120)
    assert shutil.which(command[0])
