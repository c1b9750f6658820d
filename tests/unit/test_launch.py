"""The launch request: parsing the form's fields, validation in the user's words, defaults,
warnings, the container spec and the equivalent `docker run` command."""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.jupyter import launch as launch_module
from tui.jupyter.detect import JTUI_LABEL
from tui.jupyter.launch import (
    ALL_INTERFACES,
    LOCAL_ADDRESS,
    RESERVED_ENV,
    RESTART_POLICIES,
    STACK_UID,
    WORK_DIR,
    LaunchRequest,
    container_spec,
    default_name,
    docker_run_command,
    first_free_port,
    format_env,
    format_extra_ports,
    format_more_mounts,
    image_tag,
    launch_defaults,
    launch_warnings,
    parse_env,
    parse_extra_ports,
    parse_mounts,
    parse_port,
    parse_read_only,
    port_is_free,
    run_as_box,
    run_as_label,
    server_ids,
    unwritable_folder,
    validate,
)

FIELDS = {"name", "image", "port", "bind", "folder", "env", "extra_ports", "mode", "restart", "gpus"}
ports = st.integers(1, 65535)
env_keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True).filter(
    lambda k: k not in RESERVED_ENV)
# Anything a user may type or paste: quotes, $, brackets, backslashes, newlines, unicode.
any_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)


def ok(request: LaunchRequest, **kwargs) -> dict[str, str]:
    kwargs.setdefault("existing_names", set())
    kwargs.setdefault("ports_in_use", set())
    kwargs.setdefault("local_engine", False)
    return validate(request, **kwargs)


# --- parse_port ------------------------------------------------------------------------------
@pytest.mark.parametrize("text, port", [("", None), ("  ", None), ("8888", 8888), (" 1 ", 1),
                                        ("65535", 65535), ("08888", 8888)])
def test_parse_port(text, port):
    assert parse_port(text) == port


@pytest.mark.parametrize("text", ["0", "65536", "-1", "88 88", "8888a", "²", "٨٨٨٨", "1e3", "9" * 400])
def test_parse_port_refuses_in_the_users_words(text):
    with pytest.raises(ValueError, match="a port is a number from 1 to 65535"):
        parse_port(text)


@given(ports, st.sampled_from(["", " ", "\t"]))
def test_parse_port_round_trip(port, pad):
    assert parse_port(f"{pad}{port}{pad}") == port


@given(st.text())
def test_parse_port_any_text(text):
    try:
        port = parse_port(text)
    except ValueError as exc:
        assert "1 to 65535" in str(exc)
    else:
        assert port is None and not text.strip() or 1 <= port <= 65535


# --- parse_env / format_env --------------------------------------------------------------------
def test_parse_env_quoting():
    assert parse_env('A=1 B="two words" C=\'$HOME [x]\' D= E=a=b') == {
        "A": "1", "B": "two words", "C": "$HOME [x]", "D": "", "E": "a=b"}


@pytest.mark.parametrize("text, message", [
    ("A", "is not KEY=value"), ("1A=x", "is not KEY=value"), ("A-B=x", "is not KEY=value"),
    ("A=\"x", "unbalanced quotes"), ("JUPYTER_TOKEN=x", "set by jtui itself"),
    ("DOCKER_STACKS_JUPYTER_CMD=server", "set by jtui itself"), ("A\n=x", "is not KEY=value")])
def test_parse_env_refuses(text, message):
    with pytest.raises(ValueError, match=message):
        parse_env(text)


@given(st.dictionaries(env_keys, any_text, max_size=5))
def test_env_round_trip(env):
    """What the form shows (format_env) reads back to the same variables, whatever the values."""
    assert parse_env(format_env(env)) == env


@given(st.text())
def test_parse_env_any_text(text):
    try:
        env = parse_env(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert all(launch_module._ENV_RE.fullmatch(k) and k not in RESERVED_ENV for k in env)


# --- parse_extra_ports -------------------------------------------------------------------------
def test_parse_extra_ports():
    assert parse_extra_ports("") == []
    assert parse_extra_ports("4040, 8050:8000\n9000") == [(4040, 4040), (8050, 8000), (9000, 9000)]


@pytest.mark.parametrize("text", ["0", "70000", "a:1", "1:", ":1", "1:2:3", "²", "80:0"])
def test_parse_extra_ports_refuses(text):
    with pytest.raises(ValueError, match="is not PORT or HOSTPORT:CONTAINERPORT"):
        parse_extra_ports(text)


@given(st.lists(st.tuples(ports, ports), max_size=6))
def test_extra_ports_round_trip(pairs):
    assert parse_extra_ports(format_extra_ports(pairs)) == pairs


@given(st.text())
def test_parse_extra_ports_any_text(text):
    try:
        pairs = parse_extra_ports(text)
    except ValueError as exc:
        assert "PORT" in str(exc)
    else:
        assert all(1 <= h <= 65535 and 1 <= c <= 65535 for h, c in pairs)


# --- parse_mounts ------------------------------------------------------------------------------
def test_parse_mounts(monkeypatch):
    monkeypatch.setenv("HOME", "/home/me")
    assert parse_mounts("", "") == []
    assert parse_mounts(" ~/nb ", "") == [("/home/me/nb", WORK_DIR)]
    assert parse_mounts("/a", "/data:/home/jovyan/data; ~/x:/y ;") == [
        ("/a", WORK_DIR), ("/data", "/home/jovyan/data"), ("/home/me/x", "/y")]
    assert parse_mounts("", "C:/win:/mnt") == [("C:/win", "/mnt")]  # the last ':' separates


def test_named_volumes_and_read_only_mounts():
    # Seen (issue 10): `condaenv:/opt/conda` was refused as "must be an absolute path".
    more = "condaenv:/opt/envs; /data:/home/jovyan/data:ro; ~/x:/y:rw"
    mounts = parse_mounts("/a", more)
    assert mounts[1] == ("condaenv", "/opt/envs") and mounts[2] == ("/data", "/home/jovyan/data")
    assert parse_read_only(more) == ["/home/jovyan/data"]
    request = LaunchRequest("img", "jl", mounts=mounts, read_only=parse_read_only(more),
                            memory="8g", cpus="1.5", shm_size="1g", keep_home=True)
    assert ok(request) == {}
    assert format_more_mounts(mounts, request.read_only).startswith(
        "condaenv:/opt/envs; /data:/home/jovyan/data:ro; ")
    spec = container_spec(request, "t")
    assert ("jtui-home-jl", "/home/jovyan") in spec.binds and spec.read_only == ["/home/jovyan/data"]
    assert (spec.memory, spec.cpus, spec.shm_size) == ("8g", "1.5", "1g")
    command = docker_run_command(request)
    for part in ("type=volume,source=condaenv,target=/opt/envs",
                 "type=bind,source=/data,target=/home/jovyan/data,readonly",
                 "type=volume,source=jtui-home-jl,target=/home/jovyan",
                 "--memory 8g", "--cpus 1.5", "--shm-size 1g"):
        assert part in command, part
    # The main folder is always a host folder, never taken for a volume name.
    assert "folder" in ok(LaunchRequest("img", "jl", mounts=[("proj", WORK_DIR)]))
    # Recent launches keep them.
    assert LaunchRequest.from_json(request.to_json()) == request


@pytest.mark.parametrize("field_name, value, words", [
    ("memory", "lots", "a size such as 512m"), ("memory", "1m", "at least 6m"),
    ("memory", "0", "a size such as"), ("cpus", "two", "a number such as 2"),
    ("cpus", "0", "a number such as 2"), ("cpus", "nan", "a number such as 2"),
    ("shm_size", "-1g", "a size such as"),
])
def test_limits_are_checked_in_words(field_name, value, words):
    request = LaunchRequest("img", "jl", **{field_name: value})
    assert words in ok(request)[field_name]


def test_shared_memory_defaults_to_1g_for_the_deep_learning_stacks():
    for image, shm in (("quay.io/jupyter/pytorch-notebook:cuda12-latest", "1g"),
                       ("quay.io/jupyter/tensorflow-notebook", "1g"), ("quay.io/jupyter/scipy-notebook", "")):
        request = launch_defaults(image, "b", existing_names=set(), ports_in_use=set(), local=False,
                                  cwd="/x", ids=(1000, 100))
        assert request.shm_size == shm, image


@pytest.mark.parametrize("more", ["/data", ":/x", "/data:relative", "/data:"])
def test_parse_mounts_refuses(more):
    with pytest.raises(ValueError, match="is not FOLDER:/container/folder"):
        parse_mounts("/a", more)


folder = st.text(st.characters(codec="utf-8", exclude_characters="\x00;~"), min_size=1, max_size=20).map(
    lambda t: "/" + t.strip()).filter(lambda t: t == t.strip())
target = st.text(st.characters(codec="utf-8", exclude_characters="\x00;:"), max_size=20).map(
    lambda t: "/" + t.strip()).filter(lambda t: t == t.strip())


@given(folder, st.lists(st.tuples(folder, target), max_size=4))
def test_mounts_round_trip(main, more):
    mounts = [(main, WORK_DIR), *more]
    assert parse_mounts(main, format_more_mounts(mounts)) == mounts


@given(st.text(), st.text())
def test_parse_mounts_any_text(main, more):
    try:
        mounts = parse_mounts(main, more)
    except ValueError as exc:
        assert "is not FOLDER:/container/folder" in str(exc)
    else:
        assert all(target.startswith("/") and host for host, target in mounts)


# --- names and ports ---------------------------------------------------------------------------
def test_default_name():
    assert default_name("scipy-notebook", set()) == "scipy-notebook-1"
    assert default_name("jl", {"jl-1", "jl-2", "jl-4"}) == "jl-3"


@given(st.sets(st.from_regex(r"jl-[0-9]{1,2}", fullmatch=True)))
def test_default_name_is_free(existing):
    assert default_name("jl", existing) not in existing


def test_port_is_free_sees_a_held_port(held_port):
    assert not port_is_free(LOCAL_ADDRESS, held_port)
    with socket.socket() as s:
        s.bind((LOCAL_ADDRESS, 0))
        free = s.getsockname()[1]
    assert port_is_free(LOCAL_ADDRESS, free)


@pytest.mark.parametrize("address, port", [("no-such-host.invalid", 80), ("localhost", 80),
                                           ("127.0.0.1", 70000), ("bad\x00", 80), ("127.0.0.1", -1),
                                           ("192.0.2.1", 80)])
def test_port_is_free_never_raises_nor_looks_names_up(address, port):
    """A name would be looked up (seconds without a network): only IP addresses are tried;
    192.0.2.1 (documentation range) is not an address of this machine."""
    started = time.monotonic()
    assert port_is_free(address, port) is False
    assert time.monotonic() - started < 0.5


def test_validate_bind_address():
    assert "IP address" in ok(LaunchRequest("i", "jl", bind_address="localhost"))["bind"]
    assert "bind" not in ok(LaunchRequest("i", "jl", bind_address="::1"))


def test_first_free_port_skips_held_and_taken(held_port):
    assert first_free_port(LOCAL_ADDRESS, held_port, limit=3) not in (held_port, None)
    found = first_free_port(LOCAL_ADDRESS, held_port, taken={held_port + 1}, limit=5)
    assert found is not None and found not in (held_port, held_port + 1)
    assert first_free_port(LOCAL_ADDRESS, 65535, taken={65535}) is None


# --- validate ----------------------------------------------------------------------------------
def test_a_plain_request_is_valid(tmp_path):
    request = LaunchRequest("quay.io/jupyter/base-notebook", "jl", mounts=[(str(tmp_path), WORK_DIR)])
    assert ok(request, local_engine=True) == {}


@pytest.mark.parametrize("name, problem", [
    ("", "give the container a name"), ("-x", "letters, digits"), ("a b", "letters, digits"),
    ("jl\n", "letters, digits"), ("é", "letters, digits"), ("jl", "exists: try 'jl-2'"),
    ("jl-1", "exists: try 'jl-2'")])
def test_validate_name(name, problem):
    assert problem in ok(LaunchRequest("img", name), existing_names={"jl", "jl-1"}).get("name", "")


@pytest.mark.parametrize("image", ["", "  ", "a b", "img\nRUN x", "a\tb"])
def test_validate_image(image):
    assert "image reference" in ok(LaunchRequest(image, "jl"))["image"]


def test_validate_ports(held_port):
    assert ok(LaunchRequest("i", "jl", host_port=9000), ports_in_use={9000})["port"].startswith(
        "port 9000 is in use")
    message = ok(LaunchRequest("i", "jl", host_port=held_port), local_engine=True)["port"]
    assert message.startswith(f"port {held_port} is in use: ") and message.endswith("is free")
    assert "port" not in ok(LaunchRequest("i", "jl", host_port=held_port))  # remote: cannot probe
    assert "1 to 65535" in ok(LaunchRequest("i", "jl", host_port=0))["port"]
    assert "1 to 65535" in ok(LaunchRequest("i", "jl", host_port=70000), local_engine=True)["port"]
    twice = LaunchRequest("i", "jl", host_port=9000, extra_ports=[(9000, 4040)])
    assert ok(twice)["extra_ports"] == "host port 9000 is published twice"
    assert ok(LaunchRequest("i", "jl", extra_ports=[(4040, 4040), (4040, 8000)]))["extra_ports"] == \
        "host port 4040 is published twice"
    held = LaunchRequest("i", "jl", extra_ports=[(held_port, 4040)])
    assert ok(held, local_engine=True)["extra_ports"] == f"port {held_port} is in use"
    assert "1 to 65535" in ok(LaunchRequest("i", "jl", extra_ports=[(0, 4040)]))["extra_ports"]


def test_validate_folders(tmp_path):
    file = tmp_path / "f.txt"
    file.write_text("x")
    missing = tmp_path / "missing"

    def problem(mounts, create=False, local=True):
        return ok(LaunchRequest("i", "jl", mounts=mounts, create_folders=create), local_engine=local).get("folder")

    assert "must be an absolute path" in problem([("rel/dir", WORK_DIR)])
    assert "is a file, not a folder" in problem([(str(file), WORK_DIR)])
    assert "does not exist" in problem([(str(missing), WORK_DIR)])
    assert problem([(str(missing), WORK_DIR)], create=True) is None
    assert problem([(str(missing), WORK_DIR)], local=False) is None  # the remote host has its own folders
    assert "must start with /" in problem([(str(tmp_path), "work")])


def test_validate_mode_and_restart():
    assert ok(LaunchRequest("i", "jl", mode="server"))["mode"] == "Lab or Notebook"
    assert "unless-stopped" in ok(LaunchRequest("i", "jl", restart_policy="sometimes"))["restart"]
    both = LaunchRequest("i", "jl", restart_policy="always", auto_remove=True)
    assert "cannot also restart" in ok(both)["restart"]
    for policy in RESTART_POLICIES:
        assert ok(LaunchRequest("i", "jl", restart_policy=policy)) == {}


requests = st.builds(
    LaunchRequest,
    image=st.text(max_size=30), name=st.text(max_size=30),
    host_port=st.none() | st.integers(-10, 70000),
    bind_address=st.sampled_from([LOCAL_ADDRESS, ALL_INTERFACES, "::1", "", "nope"]) | st.text(max_size=8),
    mounts=st.lists(st.tuples(st.text(max_size=20), st.text(max_size=20)), max_size=3),
    environment=st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
    mode=st.sampled_from(["lab", "notebook"]) | st.text(max_size=5),
    run_as_user=st.booleans(), uid=st.none() | st.integers(0, 2**31), gid=st.none() | st.integers(0, 2**31),
    gpu=st.booleans(), restart_policy=st.sampled_from(RESTART_POLICIES) | st.text(max_size=5),
    auto_remove=st.booleans(),
    extra_ports=st.lists(st.tuples(st.integers(-1, 70000), st.integers(-1, 70000)), max_size=3),
    create_folders=st.booleans(),
    gpu_devices=st.lists(st.sampled_from(["0", "1", "0,1", "GPU-x"]) | st.text(max_size=6),
                         max_size=3).map(tuple))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(requests, st.sets(st.text(max_size=10), max_size=5), st.sets(ports, max_size=5), st.booleans())
def test_validate_never_raises(request, names, in_use, local):
    problems = validate(request, existing_names=names, ports_in_use=in_use, local_engine=local)
    assert set(problems) <= FIELDS
    assert all(isinstance(text, str) and text for text in problems.values())
    if not problems:  # what validate accepts, the engine can be asked for
        assert launch_module._NAME_RE.fullmatch(request.name) and request.name not in names
        assert request.mode in ("lab", "notebook") and request.restart_policy in RESTART_POLICIES
        assert request.host_port is None or 1 <= request.host_port <= 65535
        assert all(t.startswith("/") for _, t in request.mounts)
        assert all(d.isdigit() or d.startswith(("GPU-", "MIG-")) for d in request.gpu_devices)


# --- defaults and warnings ---------------------------------------------------------------------
def test_launch_defaults_local():
    request = launch_defaults("img:1", "scipy-notebook", existing_names={"scipy-notebook-1"},
                              ports_in_use={8888, 8889}, local=True, cwd="/home/me/proj", ids=(4321, 99))
    assert request.image == "img:1" and request.name == "scipy-notebook-2"
    assert request.host_port is not None and request.host_port >= 8890
    assert request.bind_address == LOCAL_ADDRESS
    assert request.mounts == [("/home/me/proj", WORK_DIR)]
    assert (request.uid, request.gid, request.run_as_user) == (4321, 99, True)
    assert ok(request, existing_names={"scipy-notebook-1"}) == {}


@pytest.mark.parametrize("uid, local, run_as_user", [(0, True, True), (1000, True, False),
                                                     (501, True, True), (501, False, False)])
def test_launch_defaults_run_as_user(uid, local, run_as_user):
    request = launch_defaults("i", "b", existing_names=set(), ports_in_use=set(), local=local,
                              cwd="/x", ids=(uid, uid))
    assert request.run_as_user is run_as_user


def test_launch_defaults_remote_lets_the_engine_pick_the_port():
    request = launch_defaults("i", "b", existing_names=set(), ports_in_use=set(), local=False,
                              cwd="/x", ids=(1000, 100))
    assert request.host_port is None
    # Nor does it mount this machine's current folder: a path here means nothing there.
    assert request.mounts == [] and request.root_dir == "/home/jovyan"


def test_launch_defaults_skips_a_held_port(held_port, monkeypatch):
    monkeypatch.setattr(launch_module, "JUPYTER_PORT", held_port)
    request = launch_defaults("i", "b", existing_names=set(), ports_in_use=set(), local=True,
                              cwd="/x", ids=(1000, 100))
    assert request.host_port is not None and request.host_port > held_port


@pytest.mark.parametrize("reference, tag", [
    ("quay.io/jupyter/pytorch-notebook:cuda12-2025-01-06", "cuda12-2025-01-06"),
    ("jupyter/scipy-notebook", "latest"), ("127.0.0.1:5000/jupyter/scipy-notebook", "latest"),
    ("127.0.0.1:5000/a/b:x", "x"), ("a:t@sha256:" + "0" * 64, "t"), ("a@sha256:" + "0" * 64, "latest")])
def test_image_tag(reference, tag):
    assert image_tag(reference) == tag


def test_launch_warnings():
    assert launch_warnings(LaunchRequest("quay.io/jupyter/base-notebook", "jl")) == []
    [w] = launch_warnings(LaunchRequest("i", "jl", bind_address=ALL_INTERFACES))
    assert "all interfaces" in w and "token" in w
    [w] = launch_warnings(LaunchRequest("i", "jl", auto_remove=True))
    assert "only files inside mounted folders survive" in w
    [w] = launch_warnings(LaunchRequest("quay.io/jupyter/pytorch-notebook:2025-01-06", "jl", gpu=True))
    assert "cuda12-2025-01-06 instead of 2025-01-06" in w
    [w] = launch_warnings(LaunchRequest("127.0.0.1:5000/jupyter/tensorflow-notebook", "jl", gpu=True))
    assert "cuda-latest instead of latest" in w
    [w] = launch_warnings(LaunchRequest("quay.io/jupyter/scipy-notebook", "jl", gpu=True))
    assert "scipy-notebook has no CUDA build" in w
    assert launch_warnings(LaunchRequest("quay.io/jupyter/pytorch-notebook:cuda13-x", "jl", gpu=True)) == []
    assert launch_warnings(LaunchRequest("my/own-image", "jl", gpu=True)) == []  # not ours to judge
    assert len(launch_warnings(LaunchRequest("quay.io/jupyter/scipy-notebook", "jl", gpu=True,
                                             auto_remove=True, bind_address=ALL_INTERFACES))) == 3


@given(requests)
def test_launch_warnings_never_raise(request):
    assert all(isinstance(w, str) and w for w in launch_warnings(request))


def test_a_folder_the_server_cannot_write_is_told_before_launch(tmp_path):
    # Seen (issue 10): as root, Jupyter ran as uid 1000 and the first save into the root-owned
    # folder failed with 403. The stacks' uid 1000 cannot write a 755 folder owned by someone else.
    folder = tmp_path / "proj"
    folder.mkdir(mode=0o755)
    owner = folder.stat().st_uid
    not_owner = 4321 if owner != 4321 else 4322
    request = LaunchRequest("quay.io/jupyter/scipy-notebook", "jl", mounts=[(str(folder), WORK_DIR)],
                            uid=not_owner, gid=not_owner)
    if owner != STACK_UID:
        (warning,) = launch_warnings(request)
        assert f"uid {STACK_UID}" in warning and "tick 'run as my user'" in warning.lower(), warning
    # Running as the folder's owner: nothing to say.
    request.run_as_user, request.uid, request.gid = True, owner, folder.stat().st_gid
    assert launch_warnings(request) == []
    # Someone else, and not allowed by the mode: said, with the other fix.
    request.uid = request.gid = not_owner
    (warning,) = launch_warnings(request)
    assert f"uid {not_owner}" in warning and "untick" in warning
    # World-writable: anyone can; root can always; a remote folder is not looked at here.
    folder.chmod(0o777)
    assert launch_warnings(request) == []
    folder.chmod(0o755)
    request.uid = request.gid = 0
    assert launch_warnings(request) == []
    request.uid = request.gid = not_owner
    assert launch_warnings(request, local_engine=False) == []
    assert unwritable_folder(str(tmp_path / "missing"), not_owner, not_owner) == ""
    assert unwritable_folder("/x\0y", not_owner, not_owner) == ""


def test_the_root_recipe_for_a_root_user():
    # The stacks' documented recipe: NB_USER=root NB_UID=0 NB_GID=0 as root, and --allow-root,
    # without which Jupyter refuses to start as root.
    request = LaunchRequest("img", "jl", mounts=[("/root/proj", WORK_DIR)], run_as_user=True, uid=0, gid=0)
    spec = container_spec(request, "tok")
    assert spec.user == "root"
    env = spec.environment
    assert (env["NB_USER"], env["NB_UID"], env["NB_GID"]) == ("root", "0", "0")
    assert env["NOTEBOOK_ARGS"].endswith(" --allow-root") and "CHOWN_HOME" not in env
    assert server_ids(request) == (0, 0)
    command = docker_run_command(request)
    assert "--user root" in command and "NB_USER=root" in command and "--allow-root" in command
    assert run_as_label(0).startswith("Run as root") and run_as_label(501).startswith("Run as my user")
    # Another user: dropped to their uid by the start script.
    request.uid = request.gid = 4321
    env = container_spec(request, "tok").environment
    assert (env["NB_UID"], env["NB_GID"]) == ("4321", "4321") and "NB_USER" not in env
    assert "--allow-root" not in env["NOTEBOOK_ARGS"]
    assert server_ids(request) == (4321, 4321)
    request.run_as_user = False
    assert server_ids(request) == (STACK_UID, 100)


# --- the container spec ------------------------------------------------------------------------
def test_container_spec():
    request = LaunchRequest("img", "jl", host_port=9000, mounts=[("/h", WORK_DIR), ("/d", "/data")],
                            environment={"A": "1", "NOTEBOOK_ARGS": "--x=1"}, mode="notebook",
                            extra_ports=[(4041, 4040)], restart_policy="always", gpu=True)
    spec = container_spec(request, "tok")
    assert spec.image == "img" and spec.name == "jl"
    assert spec.environment == {"A": "1", "JUPYTER_TOKEN": "tok", "DOCKER_STACKS_JUPYTER_CMD": "notebook",
                                "NOTEBOOK_ARGS": f"--ServerApp.root_dir={WORK_DIR} --x=1"}
    assert spec.ports == {"8888/tcp": (LOCAL_ADDRESS, 9000), "4040/tcp": (LOCAL_ADDRESS, 4041)}
    assert spec.binds == [("/h", WORK_DIR), ("/d", "/data")]
    assert spec.labels == {JTUI_LABEL: "notebook"} and spec.user is None
    assert spec.gpu and spec.restart_policy == "always" and not spec.auto_remove
    assert request.environment == {"A": "1", "NOTEBOOK_ARGS": "--x=1"}  # not modified


def test_container_spec_run_as_user(monkeypatch):
    spec = container_spec(LaunchRequest("i", "jl", run_as_user=True, uid=4321, gid=77), "t")
    assert spec.user == "root"  # start.sh only honours NB_UID when started as root
    assert (spec.environment["NB_UID"], spec.environment["NB_GID"], spec.environment["CHOWN_HOME"]) == \
        ("4321", "77", "yes")
    assert spec.environment["NOTEBOOK_ARGS"] == "--ServerApp.root_dir=/home/jovyan"
    monkeypatch.setattr(launch_module, "host_ids", lambda: (555, 556))
    spec = container_spec(LaunchRequest("i", "jl", run_as_user=True), "t")
    assert (spec.environment["NB_UID"], spec.environment["NB_GID"]) == ("555", "556")


def test_root_dir():
    assert LaunchRequest("i", "jl").root_dir == "/home/jovyan"
    assert LaunchRequest("i", "jl", mounts=[("/a", "/x"), ("/b", "/y")]).root_dir == "/x"


# --- the docker run command --------------------------------------------------------------------
@functools.cache
def _fast_python3() -> str:
    """A folder with a `python3` that prints a token at once: the command's $(python3 ...) runs for
    every generated example, and a real interpreter start costs ~50 ms (the engine test runs the
    real one)."""
    folder = tempfile.mkdtemp(prefix="jtui-test-bin-")
    atexit.register(shutil.rmtree, folder, True)
    stub = Path(folder) / "python3"
    stub.write_text("#!/bin/sh\necho " + "0123456789abcdef" * 3 + "\n")
    stub.chmod(0o755)
    return folder


def _argv(command: str) -> list[str]:
    """The arguments a POSIX shell hands to docker for this command (the real shell, not a model)."""
    assert command.startswith("docker ")
    script = 'printf "%s\\0" docker' + command[len("docker"):]
    env = {**os.environ, "PATH": f"{_fast_python3()}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    done = subprocess.run(["sh", "-c", script], capture_output=True, timeout=10, check=True, env=env)
    return done.stdout.decode("utf-8", "surrogateescape").split("\0")[:-1]


def _options(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv) if a == flag]


def test_run_command_empty_port_keeps_its_place():
    """Regression: "-p 127.0.0.1:8888" (Docker refuses it) instead of "-p 127.0.0.1::8888"."""
    argv = _argv(docker_run_command(LaunchRequest("img", "jl")))
    assert _options(argv, "-p") == ["127.0.0.1::8888"]
    argv = _argv(docker_run_command(LaunchRequest("img", "jl", host_port=9000, extra_ports=[(4041, 4040)],
                                                  bind_address=ALL_INTERFACES)))
    assert _options(argv, "-p") == ["0.0.0.0:9000:8888", "0.0.0.0:4041:4040"]
    argv = _argv(docker_run_command(LaunchRequest("img", "jl", bind_address="::1")))
    assert _options(argv, "-p") == ["[::1]::8888"]


def test_run_command_options():
    request = LaunchRequest("img:1", "jl", run_as_user=True, uid=1, gid=2, restart_policy="on-failure",
                            gpu=True, mode="notebook")
    argv = _argv(docker_run_command(request))
    assert argv[:3] == ["docker", "run", "-d"] and argv[-1] == "img:1"
    assert _options(argv, "--name") == ["jl"] and _options(argv, "--user") == ["root"]
    assert _options(argv, "--restart") == ["on-failure"] and _options(argv, "--gpus") == ["all"]
    # jtui knows its containers (and their mode) and the user commands run as by these labels.
    assert _options(argv, "--label") == [f"{JTUI_LABEL}=notebook", "org.jtui.user=1:2"]
    assert "--rm" not in argv
    removed = _argv(docker_run_command(LaunchRequest("i", "jl", auto_remove=True)))
    assert "--rm" in removed and "--restart" not in removed


def test_run_command_never_prints_a_token():
    command = docker_run_command(LaunchRequest("i", "jl"))
    assert 'JUPYTER_TOKEN="$(python3 -c' in command
    assert "TOKEN=TOKEN" not in command


def _csv(value: str) -> list[str]:
    import csv
    return next(csv.reader([value]))


@settings(max_examples=200)
@given(st.dictionaries(env_keys, any_text, max_size=4),
       st.lists(st.tuples(folder, target), min_size=1, max_size=3), st.booleans())
def test_run_command_quotes_everything(env, mounts, as_user):
    """Whatever the values, the shell hands docker exactly what jtui would send the engine."""
    request = LaunchRequest("img", "jl", environment=env, mounts=mounts, run_as_user=as_user, uid=7, gid=8)
    spec = container_spec(request, "TOKEN")
    argv = _argv(docker_run_command(request))
    env_args = dict(e.partition("=")[::2] for e in _options(argv, "-e"))
    assert re.fullmatch(r"[0-9a-f]{48}", env_args.pop("JUPYTER_TOKEN"))  # made by the shell
    expected = dict(spec.environment)
    del expected["JUPYTER_TOKEN"]
    assert env_args == expected
    binds = []
    for value in _options(argv, "--mount"):
        fields = dict(f.partition("=")[::2] for f in _csv(value))
        assert fields["type"] == "bind"
        binds.append((fields["source"], fields["target"]))
    assert binds == mounts


# --- the recent-launches JSON ------------------------------------------------------------------
well_typed = st.builds(
    LaunchRequest, image=any_text, name=any_text, host_port=st.none() | ports,
    bind_address=st.sampled_from([LOCAL_ADDRESS, ALL_INTERFACES]),
    mounts=st.lists(st.tuples(any_text, any_text), max_size=3),
    environment=st.dictionaries(env_keys, any_text, max_size=3), mode=st.sampled_from(["lab", "notebook"]),
    run_as_user=st.booleans(), uid=st.none() | st.integers(0, 2**31), gid=st.none() | st.integers(0, 2**31),
    gpu=st.booleans(), restart_policy=st.sampled_from(RESTART_POLICIES), auto_remove=st.booleans(),
    extra_ports=st.lists(st.tuples(ports, ports), max_size=3), create_folders=st.booleans())


@given(well_typed)
def test_json_round_trip(request):
    import json
    assert LaunchRequest.from_json(json.loads(json.dumps(request.to_json()))) == request


def test_from_json_ignores_unknown_keys_and_fills_defaults():
    request = LaunchRequest.from_json({"image": "i", "name": "jl", "token": "secret", "future": 1})
    assert request == LaunchRequest("i", "jl")


@pytest.mark.parametrize("data", [
    {"name": "jl"}, {"image": 5, "name": "jl"}, {"image": "i", "name": "jl", "host_port": "9000"},
    {"image": "i", "name": "jl", "host_port": True}, {"image": "i", "name": "jl", "gpu": "yes"},
    {"image": "i", "name": "jl", "mounts": [["/a"]]}, {"image": "i", "name": "jl", "mounts": "/a:/b"},
    {"image": "i", "name": "jl", "extra_ports": [["1", "2"]]},
    {"image": "i", "name": "jl", "environment": {"A": 1}}, {"image": "i", "name": "jl", "environment": []},
    ["i", "jl"]])
def test_from_json_refuses_the_wrong_types(data):
    with pytest.raises((TypeError, ValueError)):
        LaunchRequest.from_json(data)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(), c, max_size=3),
                           max_leaves=8)
field_names = st.sampled_from(sorted(LaunchRequest.__dataclass_fields__)) | st.text(max_size=5)


@given(st.dictionaries(field_names, json_values))
def test_from_json_either_refuses_or_gives_a_well_typed_request(data):
    try:
        request = LaunchRequest.from_json(data)
    except (TypeError, ValueError):
        return
    assert isinstance(request.image, str) and isinstance(request.name, str)
    assert all(isinstance(h, str) and isinstance(t, str) for h, t in request.mounts)
    assert all(type(h) is int and type(c) is int for h, c in request.extra_ports)
    ok(request)  # and the form can validate it



def test_on_a_rootless_engine_the_root_recipe_writes_as_the_user():
    # Rootless Docker: NB_UID=<host uid> maps to a subuid; the container's root is the host user
    # (remote-rig.md, table C: only the root recipe wrote as the rootless user).
    request = launch_defaults("i", "b", existing_names=set(), ports_in_use=set(), local=True,
                              cwd="/x", ids=(501, 501), rootless=True)
    assert (request.run_as_user, request.uid, request.gid) == (True, 0, 0)
    assert container_spec(request, "t").environment["NB_USER"] == "root"
    assert "rootless engine" in run_as_label(0, rootless=True)


@pytest.mark.parametrize("typed, argv", [
    ("pip install tensorflow", ["pip", "install", "tensorflow"]),
    ("pip install 'dask[complete]'", ["pip", "install", "dask[complete]"]),
    ('python -c "print(1)"', ["python", "-c", "print(1)"]),
    ("echo 'a | b'", ["echo", "a | b"]),
    ("pip list | head", ["sh", "-c", "pip list | head"]),
    ("ls > out.txt", ["sh", "-c", "ls > out.txt"]),
    ("cd work && ls", ["sh", "-c", "cd work && ls"]),
    ("echo $(id -u)", ["sh", "-c", "echo $(id -u)"]),
])
def test_x_runs_shell_syntax_through_sh(typed, argv):
    # Seen (issue 13 tryout): `pip list | head` ran pip with the arguments '|' and 'head'.
    from tui.ui.containers import command_argv

    assert command_argv(typed) == argv


def test_on_a_rootless_engine_the_warning_names_the_box_the_form_shows(tmp_path):
    # Even a user whose own uid is 1000 owns nothing the container's uid 1000 is on the host.
    request = LaunchRequest("quay.io/jupyter/base-notebook", "jl", mounts=[(str(tmp_path), "/home/jovyan/work")],
                            run_as_user=False, uid=0, gid=0)
    (warning,) = launch_warnings(request, rootless=True)
    box = run_as_box(0, rootless=True)
    assert box == "Run as root in the container"
    assert run_as_label(0, rootless=True).startswith(box)
    assert f"tick '{box}'" in warning and str(tmp_path) in warning
    request.run_as_user = True
    assert launch_warnings(request, rootless=True) == []
    # A named volume is not a host folder: nothing to say.
    request.run_as_user, request.mounts = False, [("condaenv", "/opt/conda")]
    assert launch_warnings(request, rootless=True) == []


def test_the_root_recipe_shares_a_runtime_dir_the_healthcheck_finds():
    request = LaunchRequest("quay.io/jupyter/base-notebook", "jl", run_as_user=True, uid=0, gid=0)
    env = container_spec(request, "t" * 48).environment
    assert env["NB_USER"] == "root" and "--allow-root" in env["NOTEBOOK_ARGS"]
    assert env["JUPYTER_RUNTIME_DIR"] == "/tmp/jupyter-runtime"
    request.uid = request.gid = 4321
    assert "JUPYTER_RUNTIME_DIR" not in container_spec(request, "t" * 48).environment
