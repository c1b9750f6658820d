"""A remote engine over SSH whose 127.0.0.1 is not ours (issue 10): launched through the app's
form, Jupyter stays on the remote's loopback and jtui's own ssh forward brings it here; the copied
URL is local and answers with the token, a notebook saved through it lands in the remote folder,
stopping the container closes the forward, and jtui started again finds the running Jupyter and
forwards it again. (The rig: tests/remote.py, a second dockerd and an sshd in a network namespace.)
"""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request

import pytest
from textual.widgets import Input

from tests.app.conftest import choose_image, select_container, wait_for
from tests.remote import RemoteEngine
from tests.rig import STACK
from tui.app import create_app
from tui.config import AppConfig
from tui.ui.launch_form import LaunchForm

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the remote rig needs root (CI runs as root)")


@pytest.fixture(scope="module")
def remote(engine):
    rig = RemoteEngine([STACK]).start()
    yield rig
    rig.stop()


def _http(url: str, method: str = "GET", body: bytes | None = None, token: str = "") -> int:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"token {token}"} if token else {})
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


async def test_launch_on_a_remote_engine_through_an_ssh_forward(remote, tmp_path, monkeypatch):
    monkeypatch.setenv("JTUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "remote-notebooks"  # the "remote" machine shares this filesystem
    folder.mkdir()
    config = AppConfig(host=remote.url, resync_seconds=3600)
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: app.connected and app.images.images, timeout=30, what="remote images")
        assert app.engine.tunnels is not None
        await pilot.press("2")
        choose_image(app, next(key for key, img in app.images.images.items()
                               if STACK in img.display_name))
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LaunchForm) and app.screen.is_mounted
                       and bool(app.screen.query("#folder")), what="form")
        form = app.screen
        # A remote engine picks its own port: the form does not probe this machine's.
        assert form.query_one("#port", Input).value == ""
        form.query_one("#folder", Input).value = str(folder)
        await pilot.pause()
        assert form.problems == {}, form.problems
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: app.main.last_launch is not None, timeout=120, what="remote launch")
        cid = app.main.last_launch.container_id
        server = app.servers.get(cid)
        # The URL is local: the forward's port on this machine's loopback.
        assert server.host == "127.0.0.1" and server.port == app.engine.tunnels.local_port(cid)
        assert _http(server.url) == 200
        assert _http(f"{server.base}api/contents") in (401, 403)
        # Jupyter is published on the remote's loopback only: not reachable from here directly.
        published = app.engine.inspect_container(cid).host_port(8888)
        assert published.host_ip == "127.0.0.1"
        assert not _reachable(remote.address, published.host_port)
        # jtui cannot know who owns a folder on another machine before launch (not built yet), but
        # it checks after: root's folder there is not writable for the stacks' uid 1000.
        assert "cannot save into" in app.main.last_launch.warning
        os.chown(folder, 1000, 100)  # as the remote user would fix it
        # A notebook saved through the forward lands in the remote folder.
        nb = json.dumps({"type": "notebook"}).encode()
        assert _http(f"{server.base}api/contents/Remote.ipynb", "PUT", nb, server.token) == 201
        assert (folder / "Remote.ipynb").is_file()
        # u copies the local URL.
        await select_container(app, pilot, cid)
        await pilot.press("u")
        assert app.clipboard == server.url
        # A forward that dies (ssh killed, network gone) is made again, and said so.
        app.engine.tunnels._tunnels[cid].process.kill()
        await wait_for(pilot, lambda: getattr(app.servers.get(cid), "port", server.port) != server.port,
                       timeout=20, what="the forward made again")
        remade = app.servers.get(cid)
        assert remade.port == app.engine.tunnels.local_port(cid) and _http(remade.url) == 200
        assert any("made it again" in n.message for n in app._notifications)
        server = remade
        # Stopping the container closes its forward.
        await pilot.press("s")
        await wait_for(pilot, lambda: app.engine.tunnels.local_port(cid) is None, timeout=60,
                       what="the forward to close")
        assert not _reachable("127.0.0.1", server.port)
        app.engine.start(cid)  # started again while jtui is away

    # jtui started again: it finds the running Jupyter and forwards it again.
    app = create_app(config)
    async with app.run_test(size=(170, 50)) as pilot:
        await select_container(app, pilot, cid)
        await wait_for(pilot, lambda: app.servers.get(cid) is not None, timeout=60, what="URL found again")
        again = app.servers.get(cid)
        assert again.host == "127.0.0.1" and again.token == server.token
        assert _http(again.url) == 200
        tunnels = app.engine.tunnels
    # Quitting closes the forwards.
    assert len(tunnels) == 0
    remote.docker("rm", "-f", cid)


def test_ssh_refusals_are_said_in_sshs_words_and_never_prompt(remote, tmp_path):
    # docker-py runs `ssh ... docker system dial-stdio` with the terminal as its stderr: a prompt
    # or a warning would land over the UI, and the error said only "Connection aborted".
    from tui.engine import Engine, EngineUnreachable

    known = tmp_path / "known_hosts"
    known.write_text(f"{remote.address} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBadKeyBadKeyBadKeyBadKeyBadKeyBadKeyBadKey0\n")
    config = remote.root / "ssh_config"
    saved = config.read_text()
    # Another host key than the one on record: ssh refuses, as it does for a changed server.
    config.write_text(saved.replace(str(remote.root / "known_hosts"), str(known))
                      .replace("StrictHostKeyChecking accept-new", "StrictHostKeyChecking yes"))
    try:
        with pytest.raises(EngineUnreachable) as err:
            Engine.connect(host=remote.url, timeout=10)
        assert "ssh said:" in err.value.message and "verification failed" in err.value.message, err.value.message
    finally:
        config.write_text(saved)


def test_short_commands_over_ssh_do_not_break_the_connection(remote, spec_factory):
    # Seen: about one exec in three over ssh:// raised "Broken pipe" after its output was read
    # (docker-py closing the ssh pipe of a finished exec); URL discovery and the folder check
    # then failed at random.
    from tui.engine import ContainerSpec, Engine

    engine = Engine.connect(host=remote.url, timeout=20)
    try:
        c = engine.create_and_start(ContainerSpec(image=STACK, name=spec_factory().name,
                                                  command=["sleep", "1000"]))
        results = [engine.exec_capture(c.id, ["sh", "-c", f"echo {i}"]) for i in range(6)]
        assert results == [(0, f"{i}\n") for i in range(6)]
        assert engine.inspect_container(c.id).summary.running  # the shared connection still works
    finally:
        engine.close()


async def test_switching_engines_inside_the_app(remote, busybox, tmp_path, monkeypatch):
    """E lists the engines; a typed ssh:// URL connects there and only its containers show; the
    local socket picked from the list brings the local ones back; the pick is remembered."""
    from tui.engine.choices import EngineMemory
    from tui.ui.engine_picker import EnginePicker

    monkeypatch.setenv("JTUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    name = f"remote-only-{os.getpid()}"
    remote.docker("create", "--name", name, "--label", "org.jtui.test=1", STACK, "true")
    app = create_app(AppConfig(resync_seconds=3600))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: busybox.id in app.containers.containers, timeout=30, what="local rows")
        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, EnginePicker), what="picker")
        assert app.screen.query("#engine-list")
        app.screen.query_one("#engine-url", Input).focus()
        app.screen.query_one("#engine-url", Input).value = remote.url
        await pilot.press("enter")

        def remote_rows() -> bool:
            names = {c.name for c in app.containers.containers.values()}
            return app.connected and name in names and busybox.id not in app.containers.containers

        await wait_for(pilot, remote_rows, timeout=40, what="the remote engine's rows only")
        assert app.engine.endpoint.url == remote.url
        assert remote.address in app.main.engine_bar.endpoint
        last = EngineMemory(tmp_path / "state").last()
        assert last is not None and last.as_config() == (remote.url, None)

        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, EnginePicker), what="picker again")
        engines = app.screen.query_one("#engine-list")
        engines.highlighted = 0  # the local socket comes first
        engines.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.connected and busybox.id in app.containers.containers
                       and name not in {c.name for c in app.containers.containers.values()},
                       timeout=30, what="the local rows back")
        assert EngineMemory(tmp_path / "state").last().kind == "default"
        assert EngineMemory(tmp_path / "state").hosts() == [remote.url]
    remote.docker("rm", "-f", name)


def test_a_tcp_engine_elsewhere_gets_the_tunnel_command_that_works(remote, tmp_path):
    """tcp:// engine on another machine: Jupyter stays on that machine's loopback; the launch
    checks readiness from inside the container and hands over the `ssh -L` command; run as given
    (with the user's ssh config), it makes the URL answer here. A missing folder is created on
    the engine's machine, owned by the notebook user."""
    import subprocess
    import time

    from tui.engine import Engine
    from tui.jupyter.launch import LaunchRequest
    from tui.jupyter.launcher import Ready, launch

    engine = Engine.connect(host=remote.tcp_url)
    name = f"tcp-{os.getpid()}"
    # Missing on "the engine's machine": made there, for the user Jupyter runs as.
    folder = tmp_path / "made-there" / "notebooks"
    request = LaunchRequest(STACK, name, host_port=None, mounts=[(str(folder), "/home/jovyan/work")],
                            create_folders=True)
    tunnel = None
    try:
        assert engine.tunnels is None and not engine.endpoint.is_local
        steps = list(launch(engine, request, ready_timeout=90))
        ready = steps[-1]
        assert isinstance(ready, Ready)
        port = ready.server.port
        assert ready.server.host == "127.0.0.1"
        assert ready.tunnel == f"ssh -N -L {port}:127.0.0.1:{port} {remote.address}"
        assert (folder.stat().st_uid, folder.stat().st_gid) == (1000, 100)
        assert ready.warning == ""  # the notebook user could write there
        # Not reachable here before the tunnel: the engine published on its own loopback only.
        assert not _reachable("127.0.0.1", port)
        tunnel = subprocess.Popen(ready.tunnel.split() + ["-o", "ExitOnForwardFailure=yes"],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while not _reachable("127.0.0.1", port) and time.monotonic() < deadline:
            assert tunnel.poll() is None, tunnel.stderr.read()
            time.sleep(0.1)
        assert _http(f"http://127.0.0.1:{port}/api/status", token=ready.server.token) == 200
        assert _http(f"http://127.0.0.1:{port}/api/status", token="wrong") == 403
    finally:
        if tunnel is not None:
            tunnel.terminate()
            tunnel.wait(10)
        remote.docker("rm", "-f", name)
        engine.close()


def test_jtui_launch_holds_the_ssh_forward_until_ctrl_c(remote, tmp_path):
    """`jtui launch -H ssh://...`: the printed URL is local and answers while the command runs
    (it holds jtui's ssh forward); Ctrl+C closes the forward, the container keeps running."""
    import select
    import signal
    import subprocess
    import sys

    from tui.jupyter.launch import LaunchRequest
    from tui.jupyter.recipe import Recipe, save_recipe

    folder = tmp_path / "proj"
    folder.mkdir()
    name = f"cli-{os.getpid()}"
    save_recipe(Recipe(LaunchRequest(STACK, name, host_port=None)), folder)
    proc = subprocess.Popen([sys.executable, "-m", "tui", "launch", str(folder), "-H", remote.url,
                             "--no-copy"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 120)
        assert ready, "no URL within 120 s"
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), (url, proc.poll())
        port = int(url.split(":")[2].split("/")[0])
        assert _http(url) == 200
        assert proc.poll() is None  # still holding the forward
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0, proc.stderr.read()
        assert not _reachable("127.0.0.1", port)
        assert remote.docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip() == "true"
    finally:
        if proc.poll() is None:
            proc.kill()
        remote.docker("rm", "-f", name)


def _live_dial_stdio() -> list[int]:
    """PIDs of `ssh ... dial-stdio` processes of this test process still running (not zombies)."""
    import subprocess

    out = subprocess.run(["ps", "-ww", "-eo", "pid,ppid,stat,args"], capture_output=True, text=True).stdout
    rows = [line.split(None, 3) for line in out.splitlines()[1:]]
    return [int(r[0]) for r in rows if len(r) == 4 and r[1] == str(os.getpid())
            and "dial-stdio" in r[3] and not r[2].startswith("Z")]


def _remote_dial_stdio(remote) -> list[int]:
    """PIDs of the `docker system dial-stdio` processes under this rig's sshd."""
    import subprocess

    out = subprocess.run(["ps", "-ww", "-eo", "pid,ppid,args"], capture_output=True, text=True).stdout
    rows = [line.split(None, 2) for line in out.splitlines()[1:]]
    parent = {int(r[0]): int(r[1]) for r in rows}
    sshd = int((remote.root / "sshd.pid").read_text())

    def under_sshd(pid: int) -> bool:
        while pid > 1:
            pid = parent.get(pid, 0)
            if pid == sshd:
                return True
        return False

    return [int(r[0]) for r in rows if len(r) == 3 and r[2].startswith("docker system dial-stdio")
            and under_sshd(int(r[0]))]


def test_engine_calls_over_ssh_keep_their_ssh_connection(remote, spec_factory, monkeypatch):
    """docker-py with the system ssh client started a new `ssh` (a full handshake, ~0.2 s) for
    every engine call. The connections are kept now; one whose ssh ended (after an exec took it
    over, the ssh killed, the remote's dial-stdio gone) is never handed out again, and closing
    the engine ends every ssh it started, a stream's too."""
    import signal
    import threading
    import time

    from tui.engine import ContainerSpec, Engine, EngineError, streams

    started: list = []
    real_popen = streams._ssh_popen

    def counting_popen(args, **kwargs):
        proc = real_popen(args, **kwargs)
        started.append(proc)
        return proc

    monkeypatch.setattr(streams, "_ssh_popen", counting_popen)
    engine = Engine.connect(host=remote.url, timeout=20)
    try:
        c = engine.create_and_start(ContainerSpec(image=STACK, name=spec_factory().name,
                                                  command=["sh", "-c", "while true; do echo tick; sleep 1; done"]))
        before = len(started)
        for _ in range(20):
            assert engine.inspect_container(c.id).summary.running
        engine.list_containers()
        engine.ping()
        assert len(started) - before <= 2, len(started) - before
        # An exec takes its connection over (dial-stdio ends with it): the calls after it work.
        for i in range(3):
            assert engine.exec_capture(c.id, ["echo", str(i)]) == (0, f"{i}\n")
            assert engine.inspect_container(c.id).summary.running
        # The kept ssh killed: the next call notices and starts another.
        for proc in started:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
        time.sleep(0.2)
        assert engine.inspect_container(c.id).summary.running
        # The remote's dial-stdio killed (the engine side of the connection went away).
        remote_side = _remote_dial_stdio(remote)
        assert remote_side
        for pid in remote_side:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        assert engine.inspect_container(c.id).summary.running
        # Calls from several threads at once.
        errors: list[Exception] = []

        def calls() -> None:
            try:
                for _ in range(10):
                    engine.inspect_container(c.id)
                    engine.list_containers()
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=calls) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        # A followed log still open when the engine closes.
        logs = engine.logs(c.id, tail=1)

        def read_logs() -> None:
            try:
                for _ in logs:
                    pass
            except EngineError:  # its connection ended under it: that is the point
                pass

        reader = threading.Thread(target=read_logs, daemon=True)
        reader.start()
        time.sleep(1)
        running = [p.pid for p in started if p.poll() is None]
        assert len(running) >= 2 and set(running) <= set(_live_dial_stdio())
    finally:
        engine.close()
        monkeypatch.undo()
        streams.guard_ssh_transport()  # docker-py's ssh runs through the real _ssh_popen again
    reader.join(10)
    assert not reader.is_alive()
    assert [p.pid for p in started if p.poll() is None] == []
    assert not set(running) & set(_live_dial_stdio())
    remote.docker("rm", "-f", c.id)


def test_two_opens_of_one_forward_at_once_share_it(remote):
    """A launch and the discovery of its new row open the row's forward at the same moment
    (with engine calls over ssh now ~1 ms, they do): both get the one forward, and no ssh of a
    replaced forward is left running."""
    import subprocess
    import threading

    from tui.engine.tunnels import Tunnels

    tunnels = Tunnels.for_endpoint(remote.url)
    ports: list[int] = []
    threads = [threading.Thread(target=lambda: ports.append(tunnels.open("row", "127.0.0.1", 22)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    try:
        assert len(ports) == 3 and len(set(ports)) == 1 and len(tunnels) == 1
    finally:
        tunnels.close_all()
    out = subprocess.run(["ps", "-ww", "--ppid", str(os.getpid()), "-o", "stat=,args="],
                         capture_output=True, text=True).stdout
    assert [line for line in out.splitlines() if f"127.0.0.1:{ports[0]}:" in line and not line.startswith("Z")] == []
