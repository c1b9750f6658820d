"""What the real `jtui` process loads (issue 14): docker-py imports paramiko (with cryptography
and invoke: 18 MB, 0.1 s) for an ssh transport jtui never uses; the command defers it. An import
of tui.engine before the deferral (the engine picker's memory did it) brought it back unseen:
this looks at the running process's mapped files, the way the memory figure counts them."""

from __future__ import annotations

from pathlib import Path


def _mapped(pid: int) -> set[str]:
    return {line.split(maxsplit=5)[5] for line in Path(f"/proc/{pid}/maps").read_text().splitlines()
            if len(line.split(maxsplit=5)) == 6}


def test_the_jtui_command_never_loads_paramiko_or_cryptography(jtui, tmp_path):
    term = jtui()
    term.wait_for("connected")
    files = _mapped(term.pid)
    assert any("/_ssl" in f or "libssl" in f for f in files)  # the check sees the process's libraries
    loaded = sorted(f for f in files if any(f"/{p}/" in f for p in ("cryptography", "bcrypt", "nacl")))
    assert loaded == [], loaded
    # An ssh:// engine goes through the system ssh client: still no paramiko (a host that drops
    # nothing here: the connect fails quickly, which is all this needs).
    other = jtui("--host", "ssh://nobody@127.0.0.1:1")
    other.wait_for("ssh")
    loaded = sorted(f for f in _mapped(other.pid) if "/cryptography/" in f)
    assert loaded == [], loaded
