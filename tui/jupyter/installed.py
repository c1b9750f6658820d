"""What was installed in a running Jupyter container since it started from its image (pip,
conda/mamba and apt packages), and how to keep it: pins for the launch folder, an image build, a
relaunch on that image with the same folder, port and options.

The container is compared with a throwaway container of the same image (same image id, entrypoint
replaced, no network): both list their packages with the same script, and the difference is what
the user added or upgraded. Blocking engine calls: run `find_installed` in a worker (`find_job`).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from ..engine import Conflict, ContainerDetails, ContainerNotFound, Engine, EngineError
from ..engine.jobs import Done, Job, JobEvent, Progress
from .build import BuildRequest
from .detect import HOME_LABEL, JTUI_LABEL, USER_LABEL
from .launch import HOME_DIR, JUPYTER_PORT, LOCAL_ADDRESS, WORK_DIR, LaunchRequest

# Settings of pip the container's installs used, forwarded to the build as ARGs so the build's
# `pip install` finds the same packages (a private index, a local mirror).
PIP_INDEX_ENV = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST")
MARK = "@@jtui "
# What `pip list --format=json` prints, in a tenth of its time (1.7 s of a 2 s listing on the
# test stack): the distributions on the interpreter's path, the first of a name winning, as in pip.
PY_PIP = """
import importlib.metadata as m, json
seen = {}
for d in m.distributions():
    name = d.metadata["Name"]
    if name:
        seen.setdefault(name.lower(), {"name": name, "version": d.version})
print(json.dumps(list(seen.values())))
"""
# What `conda list --json` / `mamba list --json` read, without their seconds of start-up: the
# environment's conda-meta records. Exits 1 where there is no conda, so the tools are tried.
PY_CONDA = """
import glob, json, os, sys
meta = os.path.join(sys.prefix, "conda-meta")
if not os.path.isdir(meta):
    sys.exit(1)
out = []
for path in glob.glob(os.path.join(meta, "*.json")):
    try:
        with open(path) as f:
            d = json.load(f)
        out.append({"name": d["name"], "version": d["version"], "channel": d.get("channel", "")})
    except (OSError, ValueError, KeyError, TypeError):
        pass
print(json.dumps(out))
"""
# One script lists everything, so each side costs one exec (or one throwaway container). Each
# part is optional: an image without conda or apt prints nothing there. $1 and $2 are the Python
# programs above (arguments: no quoting to get wrong).
LIST_SCRIPT = f"""
echo '{MARK}pip'
python3 -c "$1" 2>/dev/null || pip list --format=json --disable-pip-version-check 2>/dev/null
echo; echo '{MARK}conda'
python3 -c "$2" 2>/dev/null || if command -v mamba >/dev/null 2>&1; then mamba list --json 2>/dev/null
elif command -v conda >/dev/null 2>&1; then conda list --json 2>/dev/null; fi
echo; echo '{MARK}apt'
command -v dpkg-query >/dev/null 2>&1 \\
  && dpkg-query -W -f='${{db:Status-Abbrev}}\\t${{Package}}\\t${{Version}}\\n' 2>/dev/null
echo; echo '{MARK}apt-auto'
cat /var/lib/apt/extended_states 2>/dev/null
echo '{MARK}env'
env
echo '{MARK}end'
"""
LIST_ARGV = ["sh", "-c", LIST_SCRIPT, "sh", PY_PIP, PY_CONDA]
_REQ_NAME_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_YML_DEP_RE = re.compile(r"^\s*-\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize(name: str) -> str:
    """A Python package's name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Package:
    kind: str  # pip | conda | apt
    name: str
    version: str
    before: str = ""  # the image's version when the container has another one; "" = added
    channel: str = ""  # conda only

    @property
    def pin(self) -> str:
        """The line that installs this exact version with its own tool."""
        if self.kind == "pip":
            return f"{self.name}=={self.version}"
        if self.kind == "conda":
            return f"{self.name}={self.version}"
        return self.name  # apt versions vanish from the mirrors: the name is what lasts

    @property
    def change(self) -> str:
        return f"{self.before} → {self.version}" if self.before else f"{self.version} (added)"


@dataclass
class Listing:
    """The packages one side (the container or its image) has, by manager."""

    pip: dict[str, tuple[str, str]] = field(default_factory=dict)  # normalized -> (name, version)
    conda: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (version, channel)
    apt: dict[str, str] = field(default_factory=dict)
    apt_auto: set[str] = field(default_factory=set)  # installed by apt as a dependency
    has_conda: bool = False
    env: dict[str, str] = field(default_factory=dict)  # what a command sees (image ENV included)


def _sections(text: str) -> dict[str, str]:
    parts: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(MARK):
            current = parts.setdefault(line[len(MARK):].strip(), [])
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in parts.items()}


def _json_list(text: str) -> list:
    """The JSON array in `text` (tools may print a warning line before it); [] when none."""
    start = text.find("[")
    if start < 0:
        return []
    try:
        data = json.loads(text[start:text.rfind("]") + 1])
    except ValueError:
        return []
    return data if isinstance(data, list) else []


def parse_listing(text: str) -> Listing:
    sections = _sections(text)
    listing = Listing()
    for item in _json_list(sections.get("pip", "")):
        if isinstance(item, dict) and item.get("name") and item.get("version"):
            listing.pip.setdefault(normalize(str(item["name"])), (str(item["name"]), str(item["version"])))
    conda = sections.get("conda", "")
    listing.has_conda = bool(conda)
    for item in _json_list(conda):
        if isinstance(item, dict) and item.get("name") and item.get("version"):
            listing.conda[str(item["name"])] = (str(item["version"]), str(item.get("channel", "")))
    for line in sections.get("apt", "").splitlines():
        status, _, rest = line.partition("\t")
        name, _, version = rest.partition("\t")
        if status.startswith("ii") and name:  # installed, not just remembered by dpkg
            listing.apt[name] = version
    # apt-mark showmanual takes 2 s; its answer is apt's own file: what is not marked automatic.
    auto: set[str] = set()
    package = ""
    for line in sections.get("apt-auto", "").splitlines():
        key, _, value = line.partition(":")
        if key == "Package":
            package = value.strip()
        elif key == "Auto-Installed" and value.strip() == "1" and package:
            auto.add(package)
    listing.apt_auto = auto
    for line in sections.get("env", "").splitlines():
        key, sep, value = line.partition("=")
        if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            listing.env[key] = value
    return listing


def _channel_name(channel: str) -> str:
    """`https://conda.anaconda.org/conda-forge/linux-64` -> `conda-forge`."""
    if "conda.anaconda.org/" in channel:
        return channel.split("conda.anaconda.org/", 1)[1].split("/")[0]
    return channel.rstrip("/").split("/")[-1] if "://" in channel else channel


def _is_from_pip(channel: str) -> bool:
    # conda lists what pip installed into its environment too ("pypi"): that is pip's to pin.
    return channel in ("pypi", "<develop>") or channel.endswith("/pypi")


def installed_since(container: Listing, image: Listing) -> list[Package]:
    """What the container has that its image has not, or in another version (pip, then conda,
    then apt; by name). Packages the user removed are not listed: there is nothing to keep."""
    found: list[Package] = []
    conda_names: set[str] = set()
    for name, (version, channel) in sorted(container.conda.items()):
        if _is_from_pip(channel):
            continue
        before = image.conda.get(name, ("", ""))[0]
        if before != version:
            found.append(Package("conda", name, version, before, _channel_name(channel)))
            conda_names.add(normalize(name))
    pip = []
    for key, (name, version) in sorted(container.pip.items()):
        before = image.pip.get(key, ("", ""))[1]
        # A conda package with Python in it shows in pip's list too: conda installs it.
        if before != version and key not in conda_names:
            pip.append(Package("pip", name, version, before))
    apt = []
    for name, version in sorted(container.apt.items()):
        before = image.apt.get(name, "")
        # Only what the user asked apt for, not the dependencies it pulled in.
        if before != version and name not in container.apt_auto:
            apt.append(Package("apt", name, version, before))
    return pip + found + apt


# --- pins in the launch folder --------------------------------------------------------------
PIN_FILES = {"pip": "requirements.txt", "conda": "environment.yml", "apt": "apt.txt"}


def _header(container_name: str, image: str) -> str:
    return (f"# Installed in {container_name} since it started from {image}; "
            f"pinned by jtui on {datetime.now():%Y-%m-%d}.\n")


def pins_text(kind: str, packages: list[Package], container_name: str, image: str) -> str:
    """A new requirements.txt / environment.yml / apt.txt holding these packages' pins."""
    pins = [p for p in packages if p.kind == kind]
    if kind == "conda":
        channels = sorted({p.channel for p in pins if p.channel}) or ["conda-forge"]
        return (_header(container_name, image) + "channels:\n"
                + "".join(f"  - {c}\n" for c in channels) + "dependencies:\n"
                + "".join(f"  - {p.pin}\n" for p in pins))
    return _header(container_name, image) + "".join(f"{p.pin}\n" for p in pins)


def _named(text: str, kind: str) -> set[str]:
    """The package names a pin file already mentions (whatever version it asks for)."""
    names: set[str] = set()
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        m = (_YML_DEP_RE if kind == "conda" else _REQ_NAME_RE).match(line)
        if m:
            names.add(normalize(m.group(1)))
    return names


@dataclass(frozen=True)
class PinFile:
    """What writing one pin file would do: `text` is the whole new file, `added` the pins it adds
    to what is there (`exists`: the user is asked before it is changed)."""

    path: Path
    text: str
    added: list[str]
    exists: bool
    kept: list[str] = field(default_factory=list)  # the file's own lines for packages we found


def plan_pin_file(folder: Path, kind: str, packages: list[Package], container_name: str,
                  image: str) -> PinFile | None:
    """The new content of the `kind` pin file in `folder`: a new file, or the existing one with
    the missing pins added (its own lines, versions included, are kept as they are)."""
    pins = [p for p in packages if p.kind == kind]
    if not pins:
        return None
    path = folder / PIN_FILES[kind]
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return PinFile(path, pins_text(kind, pins, container_name, image), [p.pin for p in pins], False)
    named = _named(old, kind)
    missing = [p for p in pins if normalize(p.name) not in named]
    kept = [line.strip() for line in old.splitlines() if not line.lstrip().startswith("#")
            and (m := (_YML_DEP_RE if kind == "conda" else _REQ_NAME_RE).match(line))
            and normalize(m.group(1)) in {normalize(p.name) for p in pins}]
    return PinFile(path, merge_pins(old, kind, [p.pin for p in missing]), [p.pin for p in missing],
                   True, kept)


def merge_pins(old: str, kind: str, pins: list[str]) -> str:
    """`old` with `pins` added: after the last dependency of an environment.yml (a new
    `dependencies:` block when it has none), at the end of a requirements.txt or apt.txt."""
    if not pins:
        return old
    body = old if old.endswith("\n") or not old else old + "\n"
    if kind != "conda":
        return body + "".join(f"{pin}\n" for pin in pins)
    lines = body.splitlines(keepends=True)
    start = next((i for i, l in enumerate(lines) if l.rstrip() == "dependencies:"), None)
    if start is None:
        return body + "dependencies:\n" + "".join(f"  - {pin}\n" for pin in pins)
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t", "-")) or not lines[end].strip()):
        end += 1
    # The list's own indent is its first item's (nested lists, like pip's, are deeper).
    first = next((l for l in lines[start + 1:end] if l.lstrip().startswith("-")), "  - x")
    indent = first[:len(first) - len(first.lstrip())]
    # Nested blocks (`- pip:` and its list) stay last: insert after the plain dependencies.
    insert = start + 1
    for i in range(start + 1, end):
        if _YML_DEP_RE.match(lines[i]) and lines[i][:len(indent)] == indent \
                and not lines[i][len(indent):].startswith(" ") and not lines[i].rstrip().endswith(":"):
            insert = i + 1
    return "".join(lines[:insert] + [f"{indent}- {pin}\n" for pin in pins] + lines[insert:])


def write_pin_file(plan: PinFile) -> None:
    plan.path.parent.mkdir(parents=True, exist_ok=True)
    plan.path.write_text(plan.text, encoding="utf-8")


# --- the container's launch ------------------------------------------------------------------
def launch_folder(details: ContainerDetails) -> str | None:
    """The host folder Jupyter works in: the mount at its root_dir (jtui passes it in
    NOTEBOOK_ARGS), else the one at /home/jovyan/work. Never the home volume."""
    root = None
    m = re.search(r"--ServerApp\.root_dir=(\S+)", details.env.get("NOTEBOOK_ARGS", ""))
    if m:
        root = m.group(1)
    mounts = {target.rstrip("/"): source for source, target in details.mounts
              if target.rstrip("/") != HOME_DIR and source.startswith("/")}
    for target in (root, WORK_DIR):
        if target and target.rstrip("/") in mounts:
            return mounts[target.rstrip("/")]
    return None


def pip_index_args(details: ContainerDetails) -> dict[str, str]:
    return {key: details.env[key] for key in PIP_INDEX_ENV if details.env.get(key)}


def build_request(found: Found, tag: str) -> BuildRequest:
    """The image of the container plus its pins, built with the pip settings it used."""
    return BuildRequest(base=found.image, tag=tag,
                        pip=[p.pin for p in found.packages if p.kind == "pip"],
                        conda=[p.pin for p in found.packages if p.kind == "conda"],
                        apt=[p.pin for p in found.packages if p.kind == "apt"],
                        build_args=sorted(found.build_args))


def default_tag(container_name: str) -> str:
    repo = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in container_name.lower())
    return f"{repo.strip('.-_') or 'jupyter'}-kept:{datetime.now():%Y%m%d-%H%M}"


# Environment jtui sets itself at launch (or the stacks' start script reads as launch options
# jtui owns): not carried over as "the user's environment" when the launch is rebuilt.
_JTUI_ENV = {"JUPYTER_TOKEN", "DOCKER_STACKS_JUPYTER_CMD", "NOTEBOOK_ARGS", "NB_UID", "NB_GID",
             "NB_USER", "CHOWN_HOME"}


def relaunch_request(details: ContainerDetails, recent: list[LaunchRequest], image: str,
                     image_env: dict[str, str] | None = None) -> LaunchRequest:
    """The launch that made this container, on `image`: the remembered launch of that name when
    its folder matches the container's mounts (it has every option), else rebuilt from the
    container (name, port, address, mounts, mode, user, home volume, environment)."""
    mounts = set(details.mounts)
    for request in recent:
        if request.name == details.name and all(m in mounts for m in request.mounts):
            return replace(request, image=image, mounts=list(request.mounts),
                           environment=dict(request.environment))
    binding = details.host_port(JUPYTER_PORT)
    labels = details.summary.labels
    uid = gid = None
    if labels.get(USER_LABEL):
        u, _, g = labels[USER_LABEL].partition(":")
        uid, gid = int(u), int(g or u)
    base_env = image_env or {}
    env = {k: v for k, v in details.env.items()
           if k not in _JTUI_ENV and base_env.get(k) != v and k not in ("PATH", "HOSTNAME", "HOME")}
    folder = launch_folder(details)
    more = [(s, t) for s, t in details.mounts if s != folder and t.rstrip("/") != HOME_DIR]
    return LaunchRequest(
        image=image, name=details.name,
        host_port=binding.host_port if binding else None,
        bind_address=(binding.host_ip if binding and binding.host_ip else LOCAL_ADDRESS),
        mounts=([(folder, WORK_DIR)] if folder else []) + more, environment=env,
        mode=labels.get(JTUI_LABEL) or "lab", run_as_user=uid is not None, uid=uid, gid=gid,
        keep_home=bool(labels.get(HOME_LABEL)))


# --- finding it ------------------------------------------------------------------------------
@dataclass
class Found:
    """What `find_installed` learnt about one container."""

    container_id: str
    container_name: str
    image: str  # the reference it was launched from (the build's FROM)
    image_id: str
    packages: list[Package]
    folder: str | None  # the launch folder on the engine's machine
    build_args: dict[str, str]  # pip's index settings from the container's environment
    seconds: float  # how long the comparison took
    has_conda: bool = False
    details: ContainerDetails | None = None
    image_env: dict[str, str] = field(default_factory=dict)  # the image's own environment


class ListingFailed(EngineError):
    """A side could not list its packages (no shell in the image, say): in the user's words."""

    default_hint = "jtui lists packages with sh, and python3 or pip, inside the container."


def _listing(code: int, out: str, where: str) -> Listing:
    if MARK + "end" not in out:
        raise ListingFailed(f"Could not list the packages in {where} (exit code {code}).")
    return parse_listing(out)


def find_installed(engine: Engine, container_id: str, user: str | None = None) -> Found:
    """Compare the running container with a throwaway container of its image. Blocking."""
    started = time.monotonic()
    details = engine.inspect_container(container_id)
    # The image id, not its tag: the tag may have moved since the container was created. The
    # image's own user runs the list (pip sees the same environment). Both sides at once: the
    # throwaway container's start is most of the wait.
    with ThreadPoolExecutor(1, thread_name_prefix="jtui-installed") as pool:
        image_side = pool.submit(engine.run_capture,
                                 details.summary.image_id or details.summary.image, LIST_ARGV)
        code, out = engine.exec_capture(container_id, LIST_ARGV, user=user)
        base_code, base_out = image_side.result()
    now = _listing(code, out, details.name)
    before = _listing(base_code, base_out, f"the image {details.summary.image}")
    return Found(container_id=details.id, container_name=details.name, image=details.summary.image,
                 image_id=details.summary.image_id, packages=installed_since(now, before),
                 folder=launch_folder(details), build_args=pip_index_args(details),
                 seconds=time.monotonic() - started, has_conda=now.has_conda, details=details,
                 image_env=before.env)


def find_job(engine: Engine, container_id: str, name: str, user: str | None = None) -> Job:
    """`find_installed` as a job (Done.value is the Found)."""

    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        yield Progress(f"Comparing {name} with its image…")
        found = find_installed(engine, container_id, user=user)
        yield Done(f"{len(found.packages)} package(s) installed in {name} since it started "
                   f"({found.seconds:.1f}s).", found)

    return run


def make_way_job(engine: Engine, container_id: str, name: str, grace: int) -> Job:
    """Stop (with the grace period, so kernels shut down) and remove the old container: the
    relaunch takes its name and port. Its folder is on the host and stays."""

    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        yield Progress(f"Stopping {name} (up to {grace}s)…")
        try:
            engine.stop(container_id, grace=grace)
            yield Progress(f"Removing {name}…")
            engine.remove(container_id)
        except ContainerNotFound:
            pass  # removed on stop (auto-remove), or by someone else: the way is free
        except Conflict:
            # Auto-remove is already removing it: wait until it is gone.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not cancel.is_set():
                try:
                    engine.inspect_container(container_id)
                except ContainerNotFound:
                    break
                time.sleep(0.2)
        yield Done(f"Stopped and removed {name}.", container_id)

    return run
