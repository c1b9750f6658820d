"""A launch saved in the project folder as `.jtui/launch.toml` (never with a token), read back for
`jtui launch` and the app, and exported as a compose file and a `docker run` script."""

from __future__ import annotations

import json
import os
import re
import shlex
import tempfile
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from ..engine.gpus import check_gpu_devices
from .launch import (
    JUPYTER_PORT,
    LaunchRequest,
    container_spec,
    docker_run_command,
    is_volume_name,
    parse_extra_ports,
)
from .project import PIP_SETTINGS, ProjectFileProblem, detect_project, project_dockerfile, project_tag

RECIPE_DIR = ".jtui"
RECIPE_FILE = "launch.toml"
COMPOSE_FILE = "compose.yaml"
SCRIPT_FILE = "run.sh"
EXPORT_DOCKERFILE = "Dockerfile"
HEADER = ("# jtui launch recipe: `jtui launch FOLDER` (or jtui started in this folder) launches\n"
          "# it again. No token is ever saved here: each launch makes a new one.\n")
# The shell snippet docker_run_command puts in for the token; the script passes it from its
# environment instead, so it can print the URL.
_INLINE_TOKEN = '-e JUPYTER_TOKEN="$(python3 -c \'import secrets; print(secrets.token_hex(24))\')"'


class RecipeError(ValueError):
    """The recipe file cannot be used; the message names the file and the line."""


@dataclass
class Recipe:
    request: LaunchRequest  # mounts resolved to absolute paths; image is the stack when building
    build_project: bool = False  # build the folder's environment files on `request.image` first
    digest: str = ""  # the image's repository digest when it was saved (reproducibility)


def recipe_path(folder: str | Path) -> Path:
    return Path(folder) / RECIPE_DIR / RECIPE_FILE


def has_recipe(folder: str | Path) -> bool:
    return recipe_path(folder).is_file()


# --- TOML, written by hand: the data is flat and the output should read like a hand-made file --
def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\b\t\n\f\r":
            out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[ch])
        elif code < 0x20 or code == 0x7F or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04X}" if not 0xD800 <= code <= 0xDFFF else "\\uFFFD")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return toml_string(str(value))


def _relative(source: str, folder: Path) -> str:
    """A mount source inside the project folder is saved relative to it ("." is the folder), so
    the recipe works wherever the folder is checked out."""
    if is_volume_name(source):
        return source
    try:
        rel = Path(source).resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return source
    return "." if rel == Path(".") else f"./{rel.as_posix()}"


def recipe_text(recipe: Recipe, folder: str | Path) -> str:
    r = recipe.request
    root = Path(folder)
    top: list[tuple[str, object]] = [
        ("image", r.image), ("digest", recipe.digest), ("build_project", recipe.build_project),
        ("name", r.name)]
    if r.host_port is not None:
        top.append(("port", r.host_port))
    top += [("listen", r.bind_address), ("interface", r.mode), ("run_as_my_user", r.run_as_user),
            ("gpu", r.gpu), ("restart", r.restart_policy), ("remove_when_stopped", r.auto_remove),
            ("create_folders", r.create_folders), ("keep_home", r.keep_home),
            ("memory", r.memory), ("cpus", r.cpus), ("shm_size", r.shm_size),
            ("extra_ports", [f"{h}:{c}" for h, c in r.extra_ports])]
    if r.gpu and r.gpu_devices:
        # Only when some GPUs are picked: "gpu = true" alone means all of them.
        top.insert([k for k, _ in top].index("gpu") + 1, ("gpus", list(r.gpu_devices)))
    lines = [HEADER.rstrip("\n")] + [f"{k} = {_value(v)}" for k, v in top]
    env = {k: v for k, v in r.environment.items()
           if "TOKEN" not in k.upper() and "PASSWORD" not in k.upper()}
    if env:
        lines += ["", "[environment]"] + [f"{k} = {toml_string(v)}" for k, v in env.items()]
    for source, target in r.mounts:
        lines += ["", "[[mount]]", f"source = {toml_string(_relative(source, root))}",
                  f"target = {toml_string(target)}",
                  f"read_only = {_value(target in r.read_only)}"]
    return "\n".join(lines) + "\n"


def save_recipe(recipe: Recipe, folder: str | Path) -> tuple[Path, Path | None]:
    """Write `.jtui/launch.toml` atomically. A file already there that jtui cannot read is kept
    as launch.toml.bak (returned second), never overwritten unseen."""
    path = recipe_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if path.exists():
        try:
            load_recipe(folder)
        except RecipeError:
            backup = path.with_name(RECIPE_FILE + ".bak")
            os.replace(path, backup)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".launch-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(recipe_text(recipe, folder))
    os.replace(tmp, path)
    return path, backup


# --- reading back ---------------------------------------------------------------------------------
_KINDS: dict[str, type | tuple[type, ...]] = {
    "image": str, "digest": str, "build_project": bool, "name": str, "port": int, "listen": str,
    "interface": str, "run_as_my_user": bool, "gpu": bool, "gpus": list, "restart": str,
    "remove_when_stopped": bool, "create_folders": bool, "keep_home": bool, "memory": str,
    "cpus": str, "shm_size": str, "extra_ports": list, "environment": dict, "mount": list}
_KIND_WORDS = {str: "text in quotes", bool: "true or false", int: "a number", list: "a list",
               dict: "a table"}


def _line_of(text: str, key: str) -> int:
    name = re.escape(key)
    pattern = re.compile(rf"^[ \t]*(\[\[?[ \t]*{name}[ \t]*\]\]?|{name}[ \t]*=)", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def load_recipe(folder: str | Path, ids: tuple[int, int] | None = None) -> Recipe:
    """`.jtui/launch.toml` of `folder` as a Recipe, mount sources made absolute. Raises
    RecipeError naming the file and line when it cannot be read or a value is wrong."""
    root = Path(os.path.abspath(os.fspath(folder)))
    path = recipe_path(root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RecipeError(f"{path}: no such file (save a recipe from the launch form first)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecipeError(f"{path}: cannot be read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib ends its message with "(at line N, column M)" or "(at end of document)".
        found = re.search(r"\(at line (\d+), column (\d+)\)$", str(exc))
        line = int(found.group(1)) if found else max(text.count("\n"), 1)
        what = re.sub(r"\s*\(at [^)]*\)$", "", str(exc))
        column = f", column {found.group(2)}" if found else ""
        raise RecipeError(f"{path}, line {line}{column}: not valid TOML: {what}") from None

    def wrong(key: str, why: str) -> RecipeError:
        return RecipeError(f"{path}, line {_line_of(text, key)}: {key}: {why}")

    for key, value in data.items():
        kind = _KINDS.get(key)
        if kind is None:
            raise wrong(key, f"unknown setting (known: {', '.join(sorted(_KINDS))})")
        # bool is an int in Python: a port of `true` must not pass as 1.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise wrong(key, f"must be {_KIND_WORDS.get(kind, 'something else')}")  # type: ignore[arg-type]
    if not data.get("image"):
        raise wrong("image", "the image to launch is missing")
    if not data.get("name"):
        raise wrong("name", "the container name is missing")
    env = data.get("environment", {})
    for key, value in env.items():
        if not isinstance(value, str):
            raise wrong(key, "an environment value is text in quotes")
    mounts: list[tuple[str, str]] = []
    read_only: list[str] = []
    for item in data.get("mount", []):
        if not isinstance(item, dict) or not isinstance(item.get("source"), str) \
                or not isinstance(item.get("target"), str):
            raise wrong("mount", "each [[mount]] needs source and target, as text")
        source = item["source"]
        if not is_volume_name(source) and not os.path.isabs(source):
            source = os.path.normpath(root / source)
        mounts.append((source, item["target"]))
        if item.get("read_only") is True:
            read_only.append(item["target"])
    try:
        extra = parse_extra_ports(", ".join(str(p) for p in data.get("extra_ports", [])))
    except ValueError as exc:
        raise wrong("extra_ports", str(exc)) from None
    try:
        gpu_devices = check_gpu_devices(data.get("gpus", []))
    except ValueError as exc:
        raise wrong("gpus", str(exc)) from None
    if gpu_devices and data.get("gpu") is False:
        raise wrong("gpus", "GPUs are picked but gpu = false: set gpu = true, or remove gpus")
    uid, gid = ids if ids is not None else (os.getuid(), os.getgid())
    request = LaunchRequest(
        image=data["image"], name=data["name"], host_port=data.get("port"),
        bind_address=data.get("listen", "127.0.0.1"), mounts=mounts, environment=dict(env),
        mode=data.get("interface", "lab"), run_as_user=data.get("run_as_my_user", False),
        uid=uid, gid=gid, gpu=data.get("gpu", False) or bool(gpu_devices), gpu_devices=gpu_devices,
        restart_policy=data.get("restart", "no"),
        auto_remove=data.get("remove_when_stopped", False), extra_ports=extra,
        create_folders=data.get("create_folders", False), read_only=read_only,
        memory=data.get("memory", ""), cpus=data.get("cpus", ""), shm_size=data.get("shm_size", ""),
        keep_home=data.get("keep_home", False))
    return Recipe(request, build_project=data.get("build_project", False),
                  digest=data.get("digest", ""))


# --- exports for colleagues without jtui ---------------------------------------------------------
def _yaml(value: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's; ASCII only, so nothing odd)."""
    return json.dumps(value, ensure_ascii=True)


def export_dockerfile(recipe: Recipe, folder: Path) -> str | None:
    """The Dockerfile the exports build from (None: no build, or the folder's own Dockerfile)."""
    if not recipe.build_project:
        return None
    project = detect_project(folder)
    if project is None or project.own_dockerfile:
        return None
    # All pip settings are declared: the exports pass each one only if set where they run.
    return project_dockerfile(project, recipe.request.image, PIP_SETTINGS)


def _build_context(folder: Path) -> tuple[str, str | None]:
    """(context folder relative to the project folder, Dockerfile path relative to it or None
    for the context's own Dockerfile)."""
    project = detect_project(folder)
    if project is None:
        raise ProjectFileProblem(f"{folder} holds no Dockerfile, requirements.txt, environment.yml, "
                                 "apt.txt or postBuild to build from")
    rel = project.config_dir.relative_to(project.folder).as_posix()
    if project.own_dockerfile:
        return rel, None
    # The generated Dockerfile is saved beside the recipe; it COPYs files by bare name, so the
    # context is the folder that holds them.
    depth = 0 if rel == "." else len(Path(rel).parts)
    return rel, "/".join([".."] * depth + [RECIPE_DIR, EXPORT_DOCKERFILE])


def compose_yaml(recipe: Recipe, folder: str | Path) -> str:
    """The launch as a compose file, written to `.jtui/compose.yaml` (paths relative to it).
    The token comes from JUPYTER_TOKEN in the environment of `docker compose up`."""
    root = Path(os.path.abspath(os.fspath(folder)))
    r = recipe.request
    spec = container_spec(r, "${JUPYTER_TOKEN:?set JUPYTER_TOKEN first, e.g. to the output of: "
                             "openssl rand -hex 24}")
    lines = ["# Made by jtui from .jtui/launch.toml. Start with:",
             "#   JUPYTER_TOKEN=<a secret> docker compose -f .jtui/compose.yaml up -d",
             "# then open http://127.0.0.1:<port>/lab?token=<that secret>."]
    if recipe.digest:
        lines.append(f"# Image digest when saved: {recipe.digest}")
    lines += ["services:", f"  {_yaml(r.name)}:"]
    image = project_tag(root) if recipe.build_project else r.image
    lines.append(f"    image: {_yaml(image)}")
    if recipe.build_project:
        context, dockerfile = _build_context(root)
        lines += ["    build:", f"      context: {_yaml('../' + context if context != '.' else '..')}"]
        if dockerfile:
            lines.append(f"      dockerfile: {_yaml(dockerfile)}")
        # Names only: compose passes each from its own environment when set there.
        lines += ["      args:"] + [f"        - {name}" for name in PIP_SETTINGS]
    lines.append(f"    container_name: {_yaml(r.name)}")
    lines.append("    ports:")
    for container_port, (address, host_port) in spec.ports.items():
        port = container_port.split("/")[0]
        published = "" if host_port is None else str(host_port)
        lines.append(f"      - {_yaml(f'{address}:{published}:{port}')}")
    if spec.binds:
        lines.append("    volumes:")
        for source, target in spec.binds:
            volume = is_volume_name(source)
            shown = source if volume else _relative(source, root)
            if not volume and shown.startswith("."):
                shown = ".." if shown == "." else "../" + shown[2:]  # relative to .jtui/
            lines += [f"      - type: {'volume' if volume else 'bind'}",
                      f"        source: {_yaml(shown)}", f"        target: {_yaml(target)}"]
            if target in spec.read_only:
                lines.append("        read_only: true")
    lines.append("    environment:")
    for key, value in spec.environment.items():
        # compose reads "$" as its own interpolation: "$$" is a literal one (but the token is
        # meant to come from the environment).
        lines.append(f"      {key}: {_yaml(value if key == 'JUPYTER_TOKEN' else value.replace('$', '$$'))}")
    if spec.user:
        lines.append(f"    user: {_yaml(spec.user)}")
    for key, value in (("mem_limit", spec.memory), ("cpus", spec.cpus), ("shm_size", spec.shm_size)):
        if value:
            lines.append(f"    {key}: {_yaml(value)}")
    if spec.restart_policy != "no" and not spec.auto_remove:
        lines.append(f"    restart: {_yaml(spec.restart_policy)}")
    lines.append("    labels:")
    for key, value in spec.labels.items():
        lines.append(f"      {_yaml(key)}: {_yaml(value)}")
    if spec.gpu:
        # compose takes either a count or device ids, never both.
        which = (f"              device_ids: [{', '.join(_yaml(d) for d in spec.gpu_devices)}]"
                 if spec.gpu_devices else "              count: all")
        lines += ["    deploy:", "      resources:", "        reservations:", "          devices:",
                  "            - driver: nvidia", which,
                  "              capabilities: [gpu]"]
    if r.keep_home:
        lines += ["volumes:", f"  {_yaml(f'jtui-home-{r.name}')}: {{}}"]
    return "\n".join(lines) + "\n"


def run_script(recipe: Recipe, folder: str | Path) -> str:
    """The launch as a bash script (`.jtui/run.sh`): build the image if the recipe builds one, run
    it, print the URL. The script runs from the project folder, wherever it is checked out."""
    root = Path(os.path.abspath(os.fspath(folder)))
    r = recipe.request
    image = project_tag(root) if recipe.build_project else r.image
    launched = replace(r, image=image)
    command = docker_run_command(launched)
    if _INLINE_TOKEN in command:
        command = command.replace(_INLINE_TOKEN, "-e JUPYTER_TOKEN")
    command = " \\\n  ".join(_follow_folder(part, str(root)) for part in command.split(" \\\n  "))
    lines = ["#!/usr/bin/env bash", "# Made by jtui from .jtui/launch.toml: the same launch without jtui.",
             "set -euo pipefail", 'cd "$(dirname "$0")/.."  # the project folder']
    if recipe.digest:
        lines.append(f"# Image digest when saved: {recipe.digest}")
    if recipe.build_project:
        context, dockerfile = _build_context(root)
        args = " ".join(f"--build-arg {name}" for name in PIP_SETTINGS)
        file_flag = f" -f {shlex.quote(dockerfile)}" if dockerfile else ""
        lines.append(f"(cd {shlex.quote(context)} && "
                     f"docker build -t {shlex.quote(image)}{file_flag} {args} .)")
    lines += ["export JUPYTER_TOKEN=\"${JUPYTER_TOKEN:-$(python3 -c 'import secrets; "
              "print(secrets.token_hex(24))')}\"",
              command,
              f"port=$(docker port {shlex.quote(r.name)} {JUPYTER_PORT}/tcp | head -n 1 | sed 's/.*://')",
              f"echo \"http://127.0.0.1:${{port}}/{'tree' if r.mode == 'notebook' else 'lab'}"
              "?token=${JUPYTER_TOKEN}\""]
    return "\n".join(lines) + "\n"


def _follow_folder(part: str, folder: str) -> str:
    """A `--mount` of a folder inside the project folder, rewritten to start at "$PWD" (the
    script runs from the project folder, wherever it is checked out)."""
    if not part.startswith("--mount ") or any(ch in folder for ch in ',"\n\r'):
        return part  # a CSV-quoted source: left as it is
    (value,) = shlex.split(part[len("--mount "):])
    marker = "\0"
    for after in (",", "/"):
        value = value.replace(f"source={folder}{after}", f"source={marker}{after}")
    if marker not in value:
        return part
    quoted = re.sub(r'([\\"$`])', r"\\\1", value).replace(marker, "$PWD")
    return f'--mount "{quoted}"'


def write_exports(recipe: Recipe, folder: str | Path) -> list[Path]:
    """`.jtui/compose.yaml`, `.jtui/run.sh` and, for a generated build, `.jtui/Dockerfile`."""
    root = Path(os.path.abspath(os.fspath(folder)))
    target = root / RECIPE_DIR
    target.mkdir(parents=True, exist_ok=True)
    written = []
    dockerfile = export_dockerfile(recipe, root)
    if dockerfile is not None:
        (target / EXPORT_DOCKERFILE).write_text(dockerfile, encoding="utf-8")
        written.append(target / EXPORT_DOCKERFILE)
    (target / COMPOSE_FILE).write_text(compose_yaml(recipe, root), encoding="utf-8")
    script = target / SCRIPT_FILE
    script.write_text(run_script(recipe, root), encoding="utf-8")
    script.chmod(0o755)
    written += [target / COMPOSE_FILE, script]
    return written

