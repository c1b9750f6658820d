"""The engine's NVIDIA GPUs: which there are (name, memory in use), and how a launch asks for all
or some of them. Plain Python: never imports textual.

The Docker API has no call that lists GPUs. The NVIDIA Container Toolkit puts `nvidia-smi` into a
container that asks for a GPU with the "utility" capability, so a short throwaway container of an
image already on the engine asks `nvidia-smi` on the engine's machine (local or remote alike)."""

from __future__ import annotations

import logging
import re
import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from docker.types import DeviceRequest

from .errors import EngineError, GpuUnavailable, engine_failures

if TYPE_CHECKING:
    from .client import Engine

log = logging.getLogger(__name__)

QUERY = ["nvidia-smi", "--query-gpu=index,uuid,name,memory.used,memory.total",
         "--format=csv,noheader,nounits"]
THROWAWAY_LABEL = "org.jtui.throwaway"
# A GPU id as `docker run --gpus device=...` takes it: an index, or a GPU (or MIG instance) UUID.
_GPU_ID = re.compile(r"\d{1,3}|(?:GPU|MIG)-[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


@dataclass(frozen=True)
class Gpu:
    index: str
    uuid: str
    name: str
    memory_used_mib: int | None = None  # None: the driver does not say (nvidia-smi's [N/A])
    memory_total_mib: int | None = None

    def describe(self) -> str:
        """"0  NVIDIA A100-SXM4-40GB  1.2 of 40.0 GiB in use"."""
        memory = ""
        if self.memory_total_mib is not None:
            used = "?" if self.memory_used_mib is None else f"{self.memory_used_mib / 1024:.1f}"
            memory = f"  {used} of {self.memory_total_mib / 1024:.1f} GiB in use"
        return f"{self.index}  {self.name}{memory}"


def _mib(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


def parse_nvidia_smi(text: str) -> list[Gpu]:
    """The GPUs in the output of QUERY. Lines that are not a GPU's (a warning the driver prints,
    an empty line) are skipped; a name with a comma in it stays whole."""
    gpus: list[Gpu] = []
    for line in text.splitlines():
        fields = [f.strip() for f in line.split(",")]
        if len(fields) < 5 or not fields[0].isdigit() or not fields[1].startswith(("GPU-", "MIG-")):
            continue
        name = ", ".join(fields[2:-2])
        gpus.append(Gpu(fields[0], fields[1], name, _mib(fields[-2]), _mib(fields[-1])))
    return gpus


def parse_gpu_devices(text: str) -> tuple[str, ...]:
    """The form's "which GPUs": empty or "all" is all of them (); else ids separated by commas or
    spaces, each an index (0, 1) or a UUID (GPU-…). Raises ValueError in the user's words."""
    text = text.strip()
    if text.lower() in ("", "all"):
        return ()
    ids: list[str] = []
    for part in re.split(r"[,\s]+", text):
        if not part:
            continue
        if not _GPU_ID.fullmatch(part):
            raise ValueError(f"'{part}' is not a GPU: give indexes such as 0,1 or UUIDs "
                             "(GPU-…), or all")
        if part in ids:
            raise ValueError(f"GPU {part} is named twice")
        ids.append(part)
    return tuple(ids)


def check_gpu_devices(devices: object) -> tuple[str, ...]:
    """`devices` from a file (recent launches, launch.toml) as a valid selection, or ValueError."""
    if not isinstance(devices, (list, tuple)) or not all(isinstance(d, str) for d in devices):
        raise ValueError("the GPUs are a list of ids such as [\"0\", \"1\"]")
    # One id each: "0,1" in one item is not two GPUs (the engine would get it whole).
    for device in devices:
        if not _GPU_ID.fullmatch(device):
            raise ValueError(f"'{device}' is not a GPU: give indexes such as 0,1 or UUIDs "
                             "(GPU-…)")
    if len(set(devices)) != len(devices):
        raise ValueError("a GPU is named twice")
    return tuple(devices)


def unknown_devices(devices: tuple[str, ...] | list[str], gpus: list[Gpu]) -> list[str]:
    """The ids in `devices` that name none of `gpus` (by index or UUID)."""
    known = {g.index for g in gpus} | {g.uuid for g in gpus}
    return [d for d in devices if d not in known]


def format_gpu_devices(devices: tuple[str, ...] | list[str]) -> str:
    return ",".join(devices) if devices else "all"


def device_request(devices: tuple[str, ...] | list[str] = (), *,
                   utility: bool = False) -> DeviceRequest:
    """What `docker run --gpus all` (no devices) or `--gpus '"device=0,1"'` sends. The engine
    gives "utility" (nvidia-smi) only when asked; a plain request leaves the driver's
    capabilities to the image (the CUDA images ask for compute and utility themselves)."""
    capabilities = [["gpu", "utility"]] if utility else [["gpu"]]
    if devices:
        # The engine refuses a count together with device ids.
        return DeviceRequest(device_ids=list(devices), capabilities=capabilities)
    return DeviceRequest(count=-1, capabilities=capabilities)


def gpus_flag(devices: tuple[str, ...] | list[str]) -> str:
    """The value of the docker CLI's --gpus, before shell quoting: the CLI reads it as CSV, so a
    list of devices needs CSV quotes ("device=0,1")."""
    if not devices:
        return "all"
    return f'"device={",".join(devices)}"' if len(devices) > 1 else f"device={devices[0]}"


class GpuListFailed(EngineError):
    """The engine gave the container a GPU, but nvidia-smi could not list them."""

    default_hint = ("nvidia-smi on the engine's machine should say why: the NVIDIA driver may not "
                    "be loaded, or the toolkit is not set up for Docker (nvidia-ctk runtime "
                    "configure).")


# One listing per engine connection: the GPUs do not come and go, and each try costs a container.
# Memory in use does change: `refresh=True` asks again.
_cache: weakref.WeakKeyDictionary[Engine, list[Gpu] | GpuUnavailable] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def cached_gpus(engine: Engine) -> list[Gpu] | GpuUnavailable | None:
    """What the last listing on this engine found (None: not tried yet)."""
    with _cache_lock:
        return _cache.get(engine)


def list_gpus(engine: Engine, image: str, *, refresh: bool = False, timeout: float = 60) -> list[Gpu]:
    """The GPUs the engine can give containers, asked of nvidia-smi in a throwaway container of
    `image` (which must be on the engine already: nothing is pulled). Blocking: run it in a
    worker. Raises GpuUnavailable when the engine cannot give containers a GPU (no NVIDIA
    toolkit: the refusal a GPU launch gets), GpuListFailed when nvidia-smi fails, EngineError
    for the rest (ImageNotFound, a lost engine)."""
    if not refresh:
        known = cached_gpus(engine)
        if isinstance(known, GpuUnavailable):
            raise known
        if known is not None:
            return list(known)
    try:
        gpus = _ask_nvidia_smi(engine, image, timeout)
    except GpuUnavailable as exc:
        with _cache_lock:
            _cache[engine] = exc
        raise
    with _cache_lock:
        _cache[engine] = list(gpus)
    return gpus


def _ask_nvidia_smi(engine: Engine, image: str, timeout: float) -> list[Gpu]:
    api = engine.api
    with engine_failures(engine.endpoint.display, image=image):
        container = api.create_container(
            image, command=QUERY[1:], entrypoint=QUERY[:1], user="", network_disabled=True,
            labels={THROWAWAY_LABEL: "1"},
            host_config=api.create_host_config(network_mode="none",
                                               device_requests=[device_request(utility=True)]))["Id"]
        try:
            try:
                api.start(container)
            except Exception as exc:
                said = str(getattr(exc, "explanation", "") or exc)
                if "nvidia-smi" in said and ("not found" in said or "no such file" in said.lower()):
                    # The engine gave a GPU device but nothing put nvidia-smi in: not the NVIDIA
                    # toolkit's usual hook (CDI without the utility libraries, say).
                    raise GpuListFailed(f"The engine started a GPU container, but it has no "
                                        f"nvidia-smi: {said}") from exc
                raise
            code = api.wait(container, timeout=timeout).get("StatusCode")
            out = api.logs(container, stdout=True, stderr=True)
        finally:
            try:
                api.remove_container(container, force=True)
            except Exception:  # the listing's own outcome (or error) is what the caller needs
                log.warning("could not remove the throwaway container %s", container, exc_info=True)
    text = out.decode("utf-8", "replace") if isinstance(out, bytes) else str(out)
    gpus = parse_nvidia_smi(text)
    if code != 0 or not gpus:
        said = " ".join(text.split())[:300] or f"exit code {code}"
        raise GpuListFailed(f"nvidia-smi could not list the GPUs: {said}")
    return gpus
