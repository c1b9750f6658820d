"""After a GPU launch is ready: does the notebook's Python see the GPU? A container given a GPU
whose PyTorch or TensorFlow is a CPU build (the stacks' default tags), or cannot reach the driver,
runs every notebook on the CPU without a word. Asked from inside the container, with the
container's own Python; the answer is put in the user's words."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

from ..engine import Engine, EngineError
from .catalog import find_stack, gpu_tag
from .launch import image_tag

MARKER = "JTUI-GPU-CHECK "
# Importing TensorFlow can take longer than the engine connection's read timeout and prints
# nothing meanwhile: a heartbeat keeps the exec's output moving. Only the marked line is read.
SNIPPET = r"""
import importlib.util, json, os, sys, threading, time
def beat():
    while True:
        time.sleep(5)
        print(".", flush=True)
threading.Thread(target=beat, daemon=True).start()
out = {}
if importlib.util.find_spec("torch"):
    try:
        import torch
        n = torch.cuda.device_count() if torch.cuda.is_available() else 0
        out["torch"] = {"version": torch.__version__, "cuda": torch.version.cuda, "count": n,
                        "names": [torch.cuda.get_device_name(i) for i in range(n)]}
    except Exception as e:
        out["torch"] = {"error": (type(e).__name__ + ": " + str(e))[:300]}
if importlib.util.find_spec("tensorflow"):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow as tf
        gpus = tf.config.list_physical_devices("GPU")
        names = []
        for g in gpus:
            try:
                names.append(tf.config.experimental.get_device_details(g).get("device_name", g.name))
            except Exception:
                names.append(g.name)
        out["tensorflow"] = {"version": tf.__version__, "cuda": bool(tf.test.is_built_with_cuda()),
                             "count": len(gpus), "names": names}
    except Exception as e:
        out["tensorflow"] = {"error": (type(e).__name__ + ": " + str(e))[:300]}
print("JTUI-GPU-CHECK " + json.dumps(out), flush=True)
"""

# What a check found, overall.
NOT_CHECKED = "not checked: no torch/tensorflow"
SEES_GPU = "sees the GPU"
CPU_FALLBACK = "runs on the CPU"
UNKNOWN = "unknown"

_LABELS = {"torch": "PyTorch", "tensorflow": "TensorFlow"}


@dataclass(frozen=True)
class FrameworkGpus:
    framework: str  # "torch" | "tensorflow"
    version: str = ""
    cuda: bool = False  # a CUDA build
    count: int = 0
    names: tuple[str, ...] = ()
    error: str = ""  # importing it failed

    @property
    def label(self) -> str:
        return _LABELS.get(self.framework, self.framework)


@dataclass(frozen=True)
class GpuCheck:
    outcome: str  # NOT_CHECKED | SEES_GPU | CPU_FALLBACK | UNKNOWN
    message: str  # in the user's words ("" never: every outcome says something)
    frameworks: tuple[FrameworkGpus, ...] = field(default=())

    @property
    def warning(self) -> bool:
        """Whether the user should act (notebooks will not use the GPU, or it is not known)."""
        return self.outcome in (CPU_FALLBACK, UNKNOWN)


def _printable(value: object) -> str:
    """Text from inside the container, safe to show on one line: no escape sequences, no
    control characters."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(value))


def _framework(name: str, data: object) -> FrameworkGpus:
    if not isinstance(data, dict):
        return FrameworkGpus(name, error="no answer")
    names = data.get("names")
    count = data.get("count")
    cuda = data.get("cuda")
    return FrameworkGpus(
        name, version=_printable(data.get("version") or ""),
        # torch.version.cuda is a version text ("12.4") or None; TensorFlow says true or false.
        cuda=bool(cuda) and cuda != "None",
        count=count if type(count) is int and count >= 0 else 0,
        names=tuple(_printable(n) for n in names) if isinstance(names, list) else (),
        error=_printable(data.get("error") or ""))


def parse_check_output(text: str) -> dict[str, FrameworkGpus] | None:
    """The frameworks the snippet reported (by name), from its output; None when it printed no
    readable answer (no Python in the image, say)."""
    answer = None
    for line in text.splitlines():
        if line.startswith(MARKER):
            answer = line[len(MARKER):]
    if answer is None:
        return None
    try:
        data = json.loads(answer)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return {name: _framework(name, data[name]) for name in ("torch", "tensorflow") if name in data}


def _cuda_tag_advice(image: str) -> str:
    """"Use a CUDA tag such as cuda12-latest." for a stack that has CUDA builds; else an image
    that has one."""
    stack = find_stack(image)
    tag = gpu_tag(stack, image_tag(image)) if stack is not None else None
    if tag is None:
        return ("Use an image built with CUDA, e.g. quay.io/jupyter/pytorch-notebook:cuda12-latest "
                "or tensorflow-notebook:cuda-latest.")
    return f"Use a CUDA tag such as {tag}."


def _gpus_in_words(count: int, names: tuple[str, ...]) -> str:
    what = f"{count} GPU" + ("" if count == 1 else "s")
    shown = sorted(set(names))
    return f"{what} ({', '.join(shown)})" if shown else what


def judge(found: dict[str, FrameworkGpus] | None, image: str, how_many: int | None = None) -> GpuCheck:
    """The check's outcome and message. `how_many`: how many GPUs the launch asked for when it
    named them (None: all), to say when Python sees fewer."""
    if found is None:
        return GpuCheck(UNKNOWN, "Could not ask the container's Python whether it sees the GPU "
                                 "(no python3 in the image?).")
    if not found:
        return GpuCheck(NOT_CHECKED, "GPU not checked: this image has neither PyTorch nor "
                                     "TensorFlow. The container has the GPU; your own CUDA code "
                                     "can use it.")
    frameworks = tuple(found.values())
    said: list[str] = []
    fallback = False
    for fw in frameworks:
        if fw.error:
            fallback = True
            said.append(f"{fw.label} could not be imported to check the GPU: {fw.error}")
        elif fw.count == 0:
            fallback = True
            if not fw.cuda:
                said.append(f"{fw.label} in this container is a CPU-only build and sees no GPU: "
                            f"notebooks will run on the CPU. {_cuda_tag_advice(image)}")
            else:
                said.append(f"{fw.label} in this container sees no GPU: notebooks will run on "
                            "the CPU. The CUDA build cannot reach the driver: check nvidia-smi on "
                            "the engine's machine, and that the driver is new enough for this "
                            "CUDA version.")
        else:
            sentence = f"{fw.label} sees {_gpus_in_words(fw.count, fw.names)}."
            if how_many is not None and fw.count < how_many:
                sentence = (f"{fw.label} sees only {_gpus_in_words(fw.count, fw.names)} of the "
                            f"{how_many} asked for.")
                fallback = True
            said.append(sentence)
    return GpuCheck(CPU_FALLBACK if fallback else SEES_GPU, " ".join(said), frameworks)


def check_gpu(engine: Engine, container_id: str, image: str, *, how_many: int | None = None,
              user: str | None = None, timeout: float = 180) -> GpuCheck:
    """Run the snippet in the running container (blocking: a worker's job) and judge its answer.
    Never raises: an engine failure is an UNKNOWN outcome, said as such."""
    cancel = threading.Event()
    timer = threading.Timer(timeout, cancel.set)
    timer.daemon = True
    timer.start()
    lines: list[str] = []
    try:
        for item in engine.exec_stream(container_id, ["python3", "-c", SNIPPET], user=user,
                                       cancel=cancel):
            if item.stream == "stdout":
                lines.append(item.text)
    except EngineError as exc:
        if cancel.is_set():
            return GpuCheck(UNKNOWN, f"The GPU check did not finish in {timeout:.0f} s.")
        return GpuCheck(UNKNOWN, f"Could not check whether Python sees the GPU: {exc.message}")
    finally:
        timer.cancel()
    return judge(parse_check_output("\n".join(lines)), image, how_many)
