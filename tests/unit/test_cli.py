"""The command line: --version and --help work without an engine or a terminal; bad flags stop at
the command line; Ctrl+C is exit code 130, never a traceback."""

import logging
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from tui import __version__, cli
from tui.logsetup import teardown_logging, uninstall_excepthook


def test_python_m_tui_version_and_help():
    out = subprocess.run([sys.executable, "-m", "tui", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"jtui {__version__}"
    out = subprocess.run([sys.executable, "-m", "tui", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for flag in ("--host", "--context", "--config", "--version"):
        assert flag in out.stdout


def test_jtui_script_is_installed():
    beside = Path(sys.executable).parent / "jtui"  # the venv's scripts folder
    script = str(beside) if beside.exists() else shutil.which("jtui")
    assert script is not None, "pip install -e . installs the jtui command"
    out = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert out.stdout.strip() == f"jtui {__version__}"


def test_bad_option_is_a_usage_message_not_a_traceback():
    out = subprocess.run([sys.executable, "-m", "tui", "--no-such-flag"], capture_output=True, text=True)
    assert out.returncode == 2 and "usage: jtui" in out.stderr and "Traceback" not in out.stderr


# --- flags checked before the app starts -----------------------------------------------------------


def run_jtui(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_help_names_the_log_file_and_debug(tmp_path):
    out = run_jtui("--help", env={"JTUI_LOG_DIR": str(tmp_path / "my logs")})
    assert out.returncode == 0
    assert str(tmp_path / "my logs" / "jtui.log") in out.stdout and "--debug" in out.stdout


@pytest.mark.parametrize("args, words", [
    (["--host", ""], "--host: the engine URL is empty"),
    (["--host", "   "], "--host: the engine URL is empty"),
    (["--host", "garbage"], "--host: 'garbage' is not an engine URL"),
    (["--host", "tcp://box"], "needs a port"),
    (["--host", "ssh://"], "names no host"),
    (["--host", "fd://"], "cannot connect"),
    (["--context", ""], "--context: give a docker context name"),
    (["--host", "unix:///var/run/docker.sock", "--context", "x"], "--host and --context"),
    (["--config", "."], "is a folder"),
    (["--config", ""], "--config: give the path"),
])
def test_bad_flags_exit_2_with_one_line(args, words):
    out = run_jtui(*args)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert lines[0].startswith("usage: jtui") and len(lines) == 2, out.stderr
    assert lines[1].startswith("jtui: error: ") and words in lines[1]
    assert "Traceback" not in out.stderr and out.stdout == ""


def test_help_and_bad_flags_import_neither_textual_nor_docker():
    code = ("import sys\nfrom tui.cli import main\n"
            "for argv in (['--help'], ['--host', 'garbage']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('textual', 'docker', 'tui.app') if m in sys.modules), file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stderr.strip().splitlines()[-1] == "[]"


class FakeApp:
    def __init__(self, config, behaviour):
        self.config, self.behaviour, self.return_code = config, behaviour, None

    def run(self):
        self.behaviour(self)

    def thread_failed(self, error):
        pass

    def expected_thread_error(self, error, thread):
        return None


@pytest.fixture
def fake_app(monkeypatch, tmp_path):
    """Stand in for tui.app (the real one needs a terminal); record what the CLI gave it."""
    monkeypatch.setenv("JTUI_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("JTUI_CONFIG", str(tmp_path / "none.toml"))
    made: list[FakeApp] = []
    state = {"behaviour": lambda app: None}

    def create_app(config, early=None):
        if early is not None:  # the watcher the command started before the UI: not needed here
            early.watcher.stop()
        made.append(FakeApp(config, state["behaviour"]))
        made[-1].early = early
        return made[-1]

    module = types.ModuleType("tui.app")
    module.create_app = create_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tui.app", module)
    yield made, state, tmp_path / "logs" / "jtui.log"
    uninstall_excepthook()
    teardown_logging()


def test_ctrl_c_exits_130_without_a_traceback(fake_app):
    made, state, _ = fake_app

    def interrupted(app):
        raise KeyboardInterrupt

    state["behaviour"] = interrupted
    assert cli.main([]) == 130 and len(made) == 1


def test_ctrl_c_in_a_real_process(tmp_path):
    code = ("import sys, types\n"
            "module = types.ModuleType('tui.app')\n"
            "class App:\n    return_code = None\n    thread_failed = expected_thread_error = print\n"
            "    def run(self):\n        raise KeyboardInterrupt\n"
            "module.create_app = lambda config, early=None: App()\n"
            "sys.modules['tui.app'] = module\n"
            "from tui.cli import main\nsys.exit(main([]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "JTUI_LOG_DIR": str(tmp_path), "JTUI_CONFIG": str(tmp_path / "x")})
    assert out.returncode == 130 and out.stderr == "" and out.stdout == ""


def test_the_apps_return_code_and_the_start_in_the_log(fake_app):
    made, state, log_file = fake_app

    def ends_with_3(app):
        app.return_code = 3

    state["behaviour"] = ends_with_3
    assert cli.main(["--host", "tcp://box:2375"]) == 3
    text = log_file.read_text()
    assert "jtui 0.1.0 starting" in text and "engine endpoint: tcp://box:2375 (from --host)" in text
    assert "exiting with code 3" in text
    assert logging.getLogger().level == logging.INFO


def test_flags_beat_the_settings_file(fake_app, tmp_path):
    made, _, log_file = fake_app
    settings = tmp_path / "config.toml"
    settings.write_text('host = "tcp://box:2375"\nresync_seconds = inf\n')
    assert cli.main(["--config", str(settings), "--context", "other", "--debug"]) == 0
    config = made[-1].config
    assert config.context == "other" and config.host is None and config.debug
    assert made[-1].early is not None  # the engine is asked for before the UI is imported
    assert logging.getLogger().level == logging.DEBUG
    text = log_file.read_text()
    assert "docker context other (from --context)" in text and "resync_seconds" in text
    assert cli.main(["--config", str(settings)]) == 0
    assert made[-1].config.host == "tcp://box:2375" and not made[-1].config.debug



def test_ssh_engines_need_nothing_beyond_pip_install():
    # Seen (issue 10): from `pip install .`, ssh:// said "Install paramiko package to enable ssh://
    # support": docker-py's ssh transport imports it even for the system ssh client jtui uses.
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]
    assert any(dep.split(">")[0].split("=")[0].strip() == "paramiko" for dep in project["dependencies"])
