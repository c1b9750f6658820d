"""The pure parts of the extra container actions: signals, names, Compose command lines."""

import pytest

from tui.engine import ContainerSummary
from tui.engine.actions import (
    CONFIG_FILES_LABEL,
    PROJECT_LABEL,
    WORKING_DIR_LABEL,
    InvalidSignal,
    compose_argv,
    compose_command,
    compose_project,
    name_problem,
    parse_signal,
)


@pytest.mark.parametrize("typed, signal", [("kill", "SIGKILL"), ("SIGKILL", "SIGKILL"), ("9", "SIGKILL"),
                                           (" term ", "SIGTERM"), ("15", "SIGTERM"), ("hup", "SIGHUP"),
                                           ("SigUsr1", "SIGUSR1")])
def test_signals_are_understood(typed, signal):
    assert parse_signal(typed) == signal


@pytest.mark.parametrize("typed, words", [("", "type a signal"), ("SIGFOO", "'SIGFOO' is not a signal"),
                                          ("0", "1 to 31"), ("64", "1 to 31"), ("-9", "not a signal")])
def test_wrong_signals_are_explained(typed, words):
    with pytest.raises(InvalidSignal) as refused:
        parse_signal(typed)
    assert words in str(refused.value)


def test_container_names_follow_the_engine_rule():
    assert name_problem("") == "type a name"
    assert "two characters" in name_problem("a")
    for bad in ("-x", ".x", "a b", "a/b", "é1", "x:y"):
        assert "letters, digits" in name_problem(bad), bad
    for good in ("ab", "my-notebook_2.0", "0x"):
        assert name_problem(good) is None


def _member(name, project="shop", **labels):
    return ContainerSummary(id=name * 3, name=name, image="x",
                            labels={PROJECT_LABEL: project, **labels} if project else labels)


def test_compose_project_and_its_command_lines():
    web = _member("web", **{WORKING_DIR_LABEL: "/srv/shop",
                            CONFIG_FILES_LABEL: "/srv/shop/compose.yml,/srv/shop/override.yml"})
    db = _member("db")
    other = _member("other", project="")
    project = compose_project(web, [web, db, other])
    assert project.name == "shop" and [c.name for c in project.containers] == ["db", "web"]
    assert project.config_files == ("/srv/shop/compose.yml", "/srv/shop/override.yml")
    assert compose_project(other, [web, db, other]) is None
    files = ["-f", "/srv/shop/compose.yml", "-f", "/srv/shop/override.yml"]
    assert compose_argv(["/usr/bin/docker", "compose"], project, "up", ["--host", "tcp://h:2375"]) == [
        "/usr/bin/docker", "--host", "tcp://h:2375", "compose", "-p", "shop",
        "--project-directory", "/srv/shop", *files, "up", "-d"]
    assert compose_argv(["/usr/bin/docker-compose"], project, "down", []) == [
        "/usr/bin/docker-compose", "-p", "shop", "--project-directory", "/srv/shop", *files, "down"]


def test_compose_command_prefers_the_plugin_then_the_standalone_tool(tmp_path):
    fake_docker = tmp_path / "docker"
    fake_docker.write_text("#!/bin/sh\n[ \"$1\" = compose ] && exit 0\nexit 1\n")
    fake_docker.chmod(0o755)
    assert compose_command(lambda name: str(fake_docker) if name == "docker" else None) == [
        str(fake_docker), "compose"]
    fake_docker.write_text("#!/bin/sh\necho 'docker: unknown command: docker compose' >&2\nexit 1\n")
    assert compose_command(lambda name: {"docker": str(fake_docker),
                                         "docker-compose": "/usr/bin/docker-compose"}.get(name)) == [
        "/usr/bin/docker-compose"]
    assert compose_command(lambda name: None) is None
