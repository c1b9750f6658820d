"""Keep what I installed, without an engine: reading the listings, the difference, the pin files
and their merge, the build request and the relaunch request rebuilt from a container."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tui.engine import ContainerDetails
from tui.jupyter.build import dockerfile
from tui.jupyter.installed import (
    LIST_ARGV,
    MARK,
    Found,
    Package,
    build_request,
    installed_since,
    launch_folder,
    merge_pins,
    parse_listing,
    plan_pin_file,
    relaunch_request,
)
from tui.jupyter.launch import LaunchRequest


def listing_text(pip=(), conda=(), apt=(), auto=(), env=None) -> str:
    parts = [f"{MARK}pip", "WARNING: something pip says first",
             json.dumps([{"name": n, "version": v} for n, v in pip]), f"{MARK}conda"]
    if conda:
        parts.append(json.dumps([{"name": n, "version": v, "channel": c} for n, v, c in conda]))
    parts.append(f"{MARK}apt")
    parts += [f"ii \t{n}\t{v}" for n, v in apt] + ["rc \tgone\t1.0"]
    parts.append(f"{MARK}apt-auto")
    for name in auto:
        parts += [f"Package: {name}", "Architecture: amd64", "Auto-Installed: 1", ""]
    parts.append(f"{MARK}env")
    parts += [f"{k}={v}" for k, v in (env or {}).items()]
    parts.append(f"{MARK}end")
    return "\n".join(parts) + "\n"


IMAGE = parse_listing(listing_text(
    pip=[("numpy", "2.0.0"), ("jupyterlab", "4.2.0")],
    conda=[("numpy", "2.0.0", "conda-forge"), ("python", "3.11.7", "conda-forge")],
    apt=[("bash", "5.2"), ("libc6", "2.36")], env={"NB_USER": "jovyan", "PATH": "/opt/conda/bin"}))


def test_listing_is_read_with_noise_around_it():
    assert IMAGE.pip["numpy"] == ("numpy", "2.0.0")
    assert IMAGE.conda["python"] == ("3.11.7", "conda-forge") and IMAGE.has_conda
    assert IMAGE.apt == {"bash": "5.2", "libc6": "2.36"}  # "rc" (removed, config left) is not installed
    assert IMAGE.env == {"NB_USER": "jovyan", "PATH": "/opt/conda/bin"}
    assert parse_listing(listing_text()).has_conda is False


def test_added_and_upgraded_packages_are_found_and_nothing_else():
    now = parse_listing(listing_text(
        pip=[("numpy", "2.1.0"), ("jupyterlab", "4.2.0"), ("My_Pkg", "1.0"), ("xarray", "2024.1")],
        conda=[("numpy", "2.0.0", "conda-forge"), ("python", "3.11.7", "conda-forge"),
               ("my-pkg", "1.0", "pypi"),  # conda lists pip's installs too: pip's to pin
               ("xarray", "2024.1", "https://conda.anaconda.org/conda-forge/linux-64")],
        apt=[("bash", "5.2"), ("libc6", "2.36"), ("graphviz", "2.42"), ("libgvc6", "2.42")],
        auto=["libgvc6"]))
    assert installed_since(now, IMAGE) == [
        Package("pip", "My_Pkg", "1.0"),
        Package("pip", "numpy", "2.1.0", before="2.0.0"),
        # xarray came from conda (its Python files show in pip's list too): conda pins it.
        Package("conda", "xarray", "2024.1", channel="conda-forge"),
        Package("apt", "graphviz", "2.42"),  # not libgvc6: apt pulled it in
    ]
    assert installed_since(IMAGE, IMAGE) == []


def test_the_listing_script_runs_here():
    """The script is plain sh plus Python: on this machine (no conda here) it lists this venv."""
    path = f"{os.path.dirname(sys.executable)}:{os.environ.get('PATH', '')}"  # this venv's python3
    out = subprocess.run(LIST_ARGV, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PATH": path}).stdout
    listing = parse_listing(out)
    assert f"{MARK}end" in out and "textual" in listing.pip


def _found(packages, folder=None, build_args=None) -> Found:
    return Found("c1", "demo", "quay.io/jupyter/base-notebook:2025-10-20", "sha256:1", packages,
                 folder, build_args or {}, 1.0)


PACKAGES = [Package("pip", "my-pkg", "1.0"), Package("pip", "rich", "13.0", before="12.0"),
            Package("conda", "xarray", "2024.1", channel="conda-forge"), Package("apt", "graphviz", "2.42")]


def test_new_pin_files(tmp_path):
    req = plan_pin_file(tmp_path, "pip", PACKAGES, "demo", "img")
    assert not req.exists and req.added == ["my-pkg==1.0", "rich==13.0"]
    assert req.text.splitlines()[1:] == ["my-pkg==1.0", "rich==13.0"] and req.text.startswith("# ")
    env = plan_pin_file(tmp_path, "conda", PACKAGES, "demo", "img")
    assert env.path.name == "environment.yml"
    assert env.text.splitlines()[1:] == ["channels:", "  - conda-forge", "dependencies:", "  - xarray=2024.1"]
    assert plan_pin_file(tmp_path, "apt", PACKAGES, "demo", "img").text.endswith("\ngraphviz\n")
    assert plan_pin_file(tmp_path, "conda", PACKAGES[:2], "demo", "img") is None  # nothing to pin


def test_existing_files_get_only_the_missing_pins(tmp_path):
    (tmp_path / "requirements.txt").write_text("# mine\nRich>=12  # keep my range\nnumpy")
    plan = plan_pin_file(tmp_path, "pip", PACKAGES, "demo", "img")
    assert plan.exists and plan.added == ["my-pkg==1.0"] and plan.kept == ["Rich>=12  # keep my range"]
    assert plan.text == "# mine\nRich>=12  # keep my range\nnumpy\nmy-pkg==1.0\n"
    assert (tmp_path / "requirements.txt").read_text().endswith("numpy")  # planning writes nothing


def test_environment_yml_merge_keeps_nested_pip_block_last():
    old = ("name: x\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - pip:\n"
           "    - rich\nvariables:\n  A: 1\n")
    assert merge_pins(old, "conda", ["xarray=2024.1"]) == (
        "name: x\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - xarray=2024.1\n"
        "  - pip:\n    - rich\nvariables:\n  A: 1\n")
    assert merge_pins("name: x", "conda", ["a=1"]) == "name: x\ndependencies:\n  - a=1\n"
    assert merge_pins("a\n", "pip", []) == "a\n"


def test_build_request_forwards_pip_index_settings():
    found = _found(PACKAGES, build_args={"PIP_INDEX_URL": "http://10.0.0.1/simple/",
                                         "PIP_TRUSTED_HOST": "10.0.0.1"})
    req = build_request(found, "demo-kept:1")
    assert req.pip == ["my-pkg==1.0", "rich==13.0"] and req.conda == ["xarray=2024.1"]
    assert req.apt == ["graphviz"] and req.base == found.image
    text = dockerfile(req)
    # The ARGs come before any RUN, so pip sees them as environment; their values are not in it.
    assert text.index("ARG PIP_INDEX_URL\nARG PIP_TRUSTED_HOST\n") < text.index("RUN ")
    assert "10.0.0.1" not in text


def _details(env=None, mounts=(), labels=None, port="8890") -> ContainerDetails:
    return ContainerDetails.from_inspect({
        "Id": "c1", "Name": "/demo",
        "Config": {"Image": "img:1", "Env": [f"{k}={v}" for k, v in (env or {}).items()],
                   "Labels": labels or {"org.jtui.jupyter": "lab"}},
        "State": {"Status": "running"},
        "NetworkSettings": {"Ports": {"8888/tcp": [{"HostIp": "127.0.0.1", "HostPort": port}]}},
        "Mounts": [{"Type": "bind", "Source": s, "Destination": d} for s, d in mounts]})


def test_launch_folder_is_the_mount_jupyter_works_in():
    mounts = [("/data", "/data"), ("/home/me/proj", "/home/jovyan/work"),
              ("/var/lib/docker/volumes/jtui-home-demo/_data", "/home/jovyan")]
    assert launch_folder(_details(mounts=mounts)) == "/home/me/proj"
    args = {"NOTEBOOK_ARGS": "--ServerApp.root_dir=/data --allow-root"}
    assert launch_folder(_details(env=args, mounts=mounts)) == "/data"
    assert launch_folder(_details(mounts=mounts[2:])) is None  # the home volume is not a folder


def test_relaunch_takes_the_remembered_launch_when_it_matches():
    details = _details(mounts=[("/home/me/proj", "/home/jovyan/work")])
    remembered = LaunchRequest(image="img:1", name="demo", host_port=8890, memory="4g",
                               mounts=[("/home/me/proj", "/home/jovyan/work")], environment={"A": "1"})
    other = LaunchRequest(image="img:1", name="demo", mounts=[("/elsewhere", "/home/jovyan/work")])
    request = relaunch_request(details, [remembered], "demo-kept:1")
    assert request.image == "demo-kept:1" and request.memory == "4g" and request.environment == {"A": "1"}
    assert remembered.image == "img:1"  # the remembered one is not changed
    rebuilt = relaunch_request(details, [other], "demo-kept:1")
    assert rebuilt.mounts == [("/home/me/proj", "/home/jovyan/work")] and rebuilt.memory == ""


def test_relaunch_rebuilt_from_the_container():
    env = {"JUPYTER_TOKEN": "secret", "NOTEBOOK_ARGS": "--ServerApp.root_dir=/home/jovyan/work",
           "NB_UID": "4321", "NB_GID": "4321", "CHOWN_HOME": "yes", "PATH": "/x", "NB_USER": "jovyan",
           "PIP_INDEX_URL": "http://10.0.0.1/simple/", "MINE": "1"}
    labels = {"org.jtui.jupyter": "notebook", "org.jtui.user": "4321:4321",
              "org.jtui.home-volume": "jtui-home-demo"}
    details = _details(env=env, labels=labels, mounts=[
        ("/home/me/proj", "/home/jovyan/work"), ("/data", "/data"),
        ("/var/lib/docker/volumes/jtui-home-demo/_data", "/home/jovyan")])
    request = relaunch_request(details, [], "demo-kept:1", image_env={"NB_USER": "jovyan"})
    assert request == LaunchRequest(
        image="demo-kept:1", name="demo", host_port=8890, bind_address="127.0.0.1",
        mounts=[("/home/me/proj", "/home/jovyan/work"), ("/data", "/data")],
        environment={"PIP_INDEX_URL": "http://10.0.0.1/simple/", "MINE": "1"}, mode="notebook",
        run_as_user=True, uid=4321, gid=4321, keep_home=True)
