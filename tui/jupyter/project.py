"""An image from the project folder's own environment files (repo2docker's file set), built on a
Jupyter stack with the docker-stacks recipes, and whether a container's image is out of date."""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..engine import Engine
from ..engine.jobs import Job, JobEvent, Line, Progress
from ..engine.models import BuildResult
from .launch import LaunchRequest
from .launcher import launch_job

# repo2docker reads its files from .binder/ or binder/ when one exists, else from the folder.
CONFIG_DIRS = (".binder", "binder")
# The files jtui understands, in the order their steps run in the image (repo2docker's order).
ENVIRONMENT_FILES = ("apt.txt", "environment.yml", "requirements.txt", "postBuild")
HASH_LABEL = "org.jtui.project-hash"
FOLDER_LABEL = "org.jtui.project-folder"
BASE_LABEL = "org.jtui.project-base"  # the stack it was built on, for a rebuild
# The pip settings of the machine jtui runs on, so a corporate mirror works inside the build.
# They are build ARGs: the RUN steps see them, the image's environment does not keep them (the
# classic builder still writes ARG values used by a RUN into `docker history`: do not put
# passwords in these URLs; use a netrc or keyring for that).
PIP_SETTINGS = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST")
MAX_CONTEXT_BYTES = 500_000_000
_APT_NAME = re.compile(r"^[a-z0-9][a-z0-9+.:=~-]*$")
WORK_FOLDER = "/tmp/jtui-project"  # where the files are copied in the image (as repo2docker's /srv)


class ProjectFileProblem(ValueError):
    """A project file jtui cannot turn into a build step, in the user's words."""


@dataclass(frozen=True)
class ProjectFiles:
    """What the folder asks for: its own Dockerfile alone, or the environment files."""

    folder: Path  # the launch folder
    config_dir: Path  # the folder itself, or its binder/ or .binder/
    names: tuple[str, ...]  # "Dockerfile", or the environment files found, in build order
    ignored: tuple[str, ...] = ()  # files present but not used, with the reason

    @property
    def own_dockerfile(self) -> bool:
        return self.names == ("Dockerfile",)

    @property
    def digest(self) -> str:
        return files_hash(self.config_dir, self.names)

    def describe(self) -> str:
        where = "" if self.config_dir == self.folder else f" in {self.config_dir.name}/"
        return ", ".join(self.names) + where


def detect_project(folder: str | Path) -> ProjectFiles | None:
    """The project files in `folder` with repo2docker's precedence: a Dockerfile wins alone;
    environment.yml wins over requirements.txt (pip packages go under its `pip:` key); apt.txt
    and postBuild go with either. None when the folder holds none of them."""
    root = Path(folder)
    config = root
    for name in CONFIG_DIRS:
        if (root / name).is_dir():
            config = root / name
            break
    present = {n for n in ("Dockerfile", *ENVIRONMENT_FILES) if (config / n).is_file()}
    if not present:
        return None
    if "Dockerfile" in present:
        ignored = tuple(f"{n} (the Dockerfile is used alone)" for n in ENVIRONMENT_FILES if n in present)
        return ProjectFiles(root, config, ("Dockerfile",), ignored)
    ignored_list = []
    if "environment.yml" in present and "requirements.txt" in present:
        present.discard("requirements.txt")
        ignored_list.append("requirements.txt (environment.yml wins: list pip packages under "
                            "its `pip:` key)")
    names = tuple(n for n in ENVIRONMENT_FILES if n in present)
    return ProjectFiles(root, config, names, tuple(ignored_list))


def files_hash(config_dir: Path, names: tuple[str, ...]) -> str:
    """One hash of the files' names and bytes: what the image label records."""
    digest = hashlib.sha256()
    for name in sorted(names):
        try:
            data = (config_dir / name).read_bytes()
        except OSError:
            data = b"\0missing"
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:32]


def pip_build_args(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The pip settings set where jtui runs, for the build's ARGs."""
    return {k: environ[k] for k in PIP_SETTINGS if environ.get(k)}


def apt_packages(text: str) -> list[str]:
    """apt.txt as repo2docker reads it: one package per line, # comments."""
    packages = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        for name in line.split():
            if not _APT_NAME.match(name):
                raise ProjectFileProblem(f"apt.txt line {number}: '{name}' is not a package name")
            packages.append(name)
    return packages


def project_dockerfile(project: ProjectFiles, base: str, build_args: list[str] | tuple[str, ...] = ()) -> str:
    """The Dockerfile for the environment files on the stack `base`, in docker-stacks' recipes:
    apt as root then back to NB_UID, each file COPY'd as the notebook user before the step that
    reads it (so an unchanged file keeps its cached layer), caches cleaned, permissions fixed
    for the users group."""
    if project.own_dockerfile:
        return (project.config_dir / "Dockerfile").read_text(encoding="utf-8", errors="replace")
    base = base.strip()
    if not base or any(ch.isspace() for ch in base):
        raise ProjectFileProblem("the stack is one image reference, e.g. "
                                 "quay.io/jupyter/scipy-notebook:latest")
    fix = 'fix-permissions "${CONDA_DIR}" && \\\n    fix-permissions "/home/${NB_USER}"'
    copy = f"COPY --chown=${{NB_UID}}:${{NB_GID}} {{}} {WORK_FOLDER}/"
    lines = [f"# Generated by jtui from {project.describe()}", f"FROM {base}"]
    if "apt.txt" in project.names:
        apt_text = (project.config_dir / "apt.txt").read_text(encoding="utf-8", errors="replace")
        packages = apt_packages(apt_text)
        if packages:
            lines += ["", "USER root",
                      "RUN apt-get update --yes && \\\n    apt-get install --yes --no-install-recommends "
                      + " ".join(shlex.quote(p) for p in packages)
                      + " && \\\n    apt-get clean && rm -rf /var/lib/apt/lists/*",
                      "USER ${NB_UID}"]
    if build_args and set(project.names) & {"environment.yml", "requirements.txt", "postBuild"}:
        # Declared only for the settings that are set, after apt (whose layer they would
        # otherwise invalidate): the values come with each build, never into the image's ENV.
        lines += [""] + [f"ARG {name}" for name in build_args]
    if "environment.yml" in project.names:
        lines += ["", copy.replace("{}", "environment.yml"),
                  f"RUN mamba env update --name base --file {WORK_FOLDER}/environment.yml && \\\n"
                  f"    mamba clean --all -f -y && \\\n    {fix}"]
    if "requirements.txt" in project.names:
        lines += ["", copy.replace("{}", "requirements.txt"),
                  f"RUN pip install --no-cache-dir --requirement {WORK_FOLDER}/requirements.txt && \\\n"
                  f"    {fix}"]
    if "postBuild" in project.names:
        lines += ["", copy.replace("{}", "postBuild"),
                  f"RUN chmod +x {WORK_FOLDER}/postBuild && cd {WORK_FOLDER} && ./postBuild && \\\n"
                  f"    {fix}"]
    return "\n".join(lines) + "\n"


def context_files(project: ProjectFiles) -> dict[str, bytes]:
    """What the build needs to see: the environment files, or (for the project's own
    Dockerfile, which may COPY anything) the whole folder but .git and .jtui, size-capped."""
    root = project.config_dir
    if not project.own_dockerfile:
        return {n: (root / n).read_bytes() for n in project.names}
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in (".git", ".jtui") or not path.is_file() or rel.as_posix() == "Dockerfile":
            continue
        data = path.read_bytes()
        total += len(data)
        if total > MAX_CONTEXT_BYTES:
            raise ProjectFileProblem(f"the folder holds more than {MAX_CONTEXT_BYTES // 1_000_000} MB "
                                     "for its Dockerfile's build")
        files[rel.as_posix()] = data
    return files


def project_tag(folder: str | Path) -> str:
    """One image name per folder: the folder's name, plus a hash of its path so two folders
    called "analysis" do not share an image."""
    path = os.path.abspath(os.fspath(folder))
    slug = re.sub(r"[^a-z0-9]+", "-", os.path.basename(path).lower()).strip("-") or "project"
    return f"jtui-project/{slug[:40]}-{hashlib.sha256(path.encode()).hexdigest()[:6]}:latest"


@dataclass
class ProjectBuild:
    """Everything one build needs; `dockerfile` is what the form shows."""

    project: ProjectFiles
    base: str
    tag: str
    dockerfile: str
    build_args: dict[str, str] = field(default_factory=dict)

    @property
    def labels(self) -> dict[str, str]:
        return {HASH_LABEL: self.project.digest, FOLDER_LABEL: str(self.project.folder),
                BASE_LABEL: self.base}


def plan_build(folder: str | Path, base: str, environ: Mapping[str, str] = os.environ) -> ProjectBuild | None:
    """The build for the folder's files on `base` (None: the folder has none). Raises
    ProjectFileProblem when a file cannot be used."""
    project = detect_project(os.path.abspath(os.fspath(folder)))
    if project is None:
        return None
    args = pip_build_args(environ)
    text = project_dockerfile(project, base, tuple(args))
    if project.own_dockerfile:
        # Its own ARGs decide: pass only the ones it declares (the engine warns about others).
        declared = set(re.findall(r"^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)", text, re.MULTILINE | re.IGNORECASE))
        args = {k: v for k, v in args.items() if k in declared}
    return ProjectBuild(project, base, project_tag(project.folder), text, args)


def build_events(engine: Engine, build: ProjectBuild,
                 cancel: threading.Event) -> Iterator[Line | Progress | BuildResult]:
    """The build's output lines (the Dockerfile first), then the BuildResult. Layer cache on:
    an unchanged folder rebuilds in seconds."""
    for text in build.dockerfile.splitlines():
        yield Line(text, "status")
    yield Line("", "status")
    yield Progress(f"Building {build.tag} from {build.project.describe()}…")
    files = context_files(build.project)
    for item in engine.build(build.dockerfile, build.tag, files=files, cancel=cancel,
                             buildargs=build.build_args, labels=build.labels):
        if isinstance(item, BuildResult):
            yield item
            return
        yield Line(item)


def build_and_launch_job(engine: Engine, build: ProjectBuild | None, request: LaunchRequest,
                         ready_timeout: float = 180.0) -> Job:
    """The launch form's and `jtui launch`'s job: build the folder's image when asked (its
    output as lines), then launch `request` on it; Done carries the LaunchResult."""

    def run(cancel: threading.Event) -> Iterator[JobEvent]:
        launched = request
        if build is not None:
            for event in build_events(engine, build, cancel):
                if isinstance(event, BuildResult):
                    yield Line(f"Built {build.tag} ({event.image_id[7:19]}).", "status")
                else:
                    yield event
            launched = replace(request, image=build.tag)
        yield from launch_job(engine, launched, ready_timeout=ready_timeout)(cancel)

    return run


# --- is a container's image behind its folder? -----------------------------------------------
_hash_cache: dict[str, tuple[tuple, float, str | None]] = {}
# A same-size edit within the file system's timestamp tick keeps the stat signature: hash again
# after this long anyway.
HASH_MAX_AGE = 10.0


def _signature(folder: str) -> tuple:
    """Cheap to take (a few stat calls): the hash is recomputed only when this changes."""
    out = []
    for sub in ("", *CONFIG_DIRS):
        for name in ("Dockerfile", *ENVIRONMENT_FILES):
            try:
                st = os.stat(os.path.join(folder, sub, name))
            except OSError:
                continue
            out.append((sub, name, st.st_mtime_ns, st.st_size, st.st_ino))
    return tuple(out)


def current_hash(folder: str) -> str | None:
    """The hash of the folder's project files now (None: no such folder, or no files)."""
    signature = _signature(folder)
    now = time.monotonic()
    cached = _hash_cache.get(folder)
    if cached is not None and cached[0] == signature and now - cached[1] < HASH_MAX_AGE:
        return cached[2]
    project = detect_project(folder) if os.path.isdir(folder) else None
    value = project.digest if project is not None else None
    _hash_cache[folder] = (signature, now, value)
    return value


def image_out_of_date(labels: Mapping[str, str]) -> bool | None:
    """For an image (or a container: it carries its image's labels) built from a project
    folder: True when the folder's files changed since, False when not, None when not known
    (not built by jtui from a folder, or the folder is not on this machine)."""
    built = labels.get(HASH_LABEL)
    folder = labels.get(FOLDER_LABEL)
    if not built or not folder:
        return None
    files_now = current_hash(folder)
    if files_now is None:
        return None
    return files_now != built
