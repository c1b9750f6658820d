"""GPUs: nvidia-smi's listing, the user's pick of GPUs through every form a launch takes (request,
engine call, docker run, compose, launch.toml, recent launches), and the after-readiness check of
what the notebook's Python sees. Pure: no engine, no GPU (the machines that run these have none)."""

import json
import shlex
import subprocess
import sys

import pytest

from tui.engine import ContainerSpec, Engine
from tui.engine.gpus import (
    Gpu,
    check_gpu_devices,
    device_request,
    format_gpu_devices,
    gpus_flag,
    parse_gpu_devices,
    parse_nvidia_smi,
    unknown_devices,
)
from tui.engine.inventory import docker_run_recipe
from tui.jupyter.gpu_check import (
    CPU_FALLBACK,
    MARKER,
    NOT_CHECKED,
    SEES_GPU,
    SNIPPET,
    UNKNOWN,
    judge,
    parse_check_output,
)
from tui.jupyter.launch import LaunchRequest, container_spec, docker_run_command, validate
from tui.jupyter.recipe import Recipe, RecipeError, compose_yaml, load_recipe, recipe_path, save_recipe

UUID0 = "GPU-5f2e1c3a-8b9d-4e6f-a1b2-c3d4e5f60718"
UUID1 = "GPU-0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"
# As nvidia-smi prints QUERY (csv, noheader, nounits): MiB, ", " between fields.
SMI = f"""0, {UUID0}, NVIDIA A100-SXM4-40GB, 1234, 40960
1, {UUID1}, NVIDIA A100-SXM4-40GB, 0, 40960
"""


# --- nvidia-smi --------------------------------------------------------------------------------
def test_parse_nvidia_smi():
    gpus = parse_nvidia_smi(SMI)
    assert gpus == [Gpu("0", UUID0, "NVIDIA A100-SXM4-40GB", 1234, 40960),
                    Gpu("1", UUID1, "NVIDIA A100-SXM4-40GB", 0, 40960)]
    assert gpus[0].describe() == "0  NVIDIA A100-SXM4-40GB  1.2 of 40.0 GiB in use"


def test_parse_nvidia_smi_odd_lines():
    text = ("WARNING: infoROM is corrupted at gpu 0000:00:1E.0\n\n"
            f"0, {UUID0}, NVIDIA GH200 480GB, [N/A], [N/A]\n"
            f"1, {UUID1}, Tesla T4, with a comma, 15, 15360\n"
            "No devices were found\n")
    gpus = parse_nvidia_smi(text)
    assert [g.name for g in gpus] == ["NVIDIA GH200 480GB", "Tesla T4, with a comma"]
    assert gpus[0].memory_used_mib is None and gpus[0].describe() == "0  NVIDIA GH200 480GB"
    assert gpus[1].describe() == "1  Tesla T4, with a comma  0.0 of 15.0 GiB in use"
    assert parse_nvidia_smi("") == [] and parse_nvidia_smi("NVIDIA-SMI has failed") == []


# --- picking GPUs ------------------------------------------------------------------------------
@pytest.mark.parametrize("text, devices", [
    ("", ()), ("all", ()), (" ALL ", ()), ("0", ("0",)), ("0,1", ("0", "1")), ("1 0", ("1", "0")),
    (f"{UUID0}, 2", (UUID0, "2")),
    ("MIG-5f2e1c3a-8b9d-4e6f-a1b2-c3d4e5f60718", ("MIG-5f2e1c3a-8b9d-4e6f-a1b2-c3d4e5f60718",)),
])
def test_parse_gpu_devices(text, devices):
    assert parse_gpu_devices(text) == devices
    assert parse_gpu_devices(format_gpu_devices(devices)) == devices


@pytest.mark.parametrize("text, said", [
    ("gpu0", "'gpu0' is not a GPU"), ("0;1", "'0;1' is not a GPU"), ("-1", "'-1' is not a GPU"),
    ("GPU-123", "'GPU-123' is not a GPU"), ("²", "'²' is not a GPU"), ("0,0", "GPU 0 is named twice"),
    ('"device=0"', "is not a GPU"),
])
def test_parse_gpu_devices_refuses(text, said):
    with pytest.raises(ValueError, match=said):
        parse_gpu_devices(text)


def test_check_gpu_devices_from_files():
    assert check_gpu_devices(["0", UUID1]) == ("0", UUID1)
    assert check_gpu_devices([]) == () and check_gpu_devices(()) == ()
    for bad in ("0", [0], ["x"], None, ["0,1"], ["0", "0"], ["all"]):
        with pytest.raises(ValueError):
            check_gpu_devices(bad)


def test_unknown_devices():
    gpus = parse_nvidia_smi(SMI)
    assert unknown_devices(("0", UUID1), gpus) == []
    assert unknown_devices(("2", "0"), gpus) == ["2"]


# --- the engine call, docker run and the preview of a running container --------------------------
def test_device_request():
    assert device_request() == {"Driver": "", "Count": -1, "DeviceIDs": [],
                                "Capabilities": [["gpu"]], "Options": {}}
    # The engine refuses a count together with ids: the count stays 0.
    assert device_request(("0", "1")) == {"Driver": "", "Count": 0, "DeviceIDs": ["0", "1"],
                                          "Capabilities": [["gpu"]], "Options": {}}
    assert device_request(utility=True)["Capabilities"] == [["gpu", "utility"]]


def test_request_to_engine_call():
    request = LaunchRequest("quay.io/jupyter/pytorch-notebook:cuda12-latest", "jl", gpu=True,
                            gpu_devices=("0", "1"))
    spec = container_spec(request, "t")
    assert spec.gpu and spec.gpu_devices == ("0", "1")
    kwargs = Engine._create_kwargs(None, spec)  # type: ignore[arg-type]  # uses only the spec
    assert kwargs["device_requests"] == [device_request(("0", "1"))]
    every = Engine._create_kwargs(None, container_spec(  # type: ignore[arg-type]
        LaunchRequest("i", "jl", gpu=True), "t"))
    assert every["device_requests"][0]["Count"] == -1
    assert "device_requests" not in Engine._create_kwargs(None, ContainerSpec("i"))  # type: ignore[arg-type]
    # GPUs picked, then GPU unticked: no GPU at all.
    assert container_spec(LaunchRequest("i", "jl", gpu=False, gpu_devices=("0",)), "t").gpu_devices == ()


def _gpus_option(command: str) -> list[str]:
    argv = shlex.split(command.replace("\\\n", " "))
    return [argv[i + 1] for i, a in enumerate(argv) if a == "--gpus"]


def test_docker_run_command_names_the_gpus():
    assert gpus_flag(()) == "all" and gpus_flag(("1",)) == "device=1"
    assert gpus_flag(("0", "1")) == '"device=0,1"'  # the docker CLI reads --gpus as CSV
    command = docker_run_command(LaunchRequest("img", "jl", gpu=True, gpu_devices=("0", "1")))
    assert "--gpus '\"device=0,1\"'" in command
    assert _gpus_option(command) == ['"device=0,1"']
    assert _gpus_option(docker_run_command(LaunchRequest("img", "jl", gpu=True))) == ["all"]
    assert _gpus_option(docker_run_command(LaunchRequest("img", "jl", gpu_devices=("0",)))) == []


@pytest.mark.parametrize("requests, shown", [
    ([{"Driver": "", "Count": -1, "DeviceIDs": None, "Capabilities": [["gpu"]]}], ["all"]),
    ([{"Driver": "", "Count": 0, "DeviceIDs": ["0", "1"], "Capabilities": [["gpu"]]}], ['"device=0,1"']),
    ([{"Driver": "", "Count": 0, "DeviceIDs": [UUID0], "Capabilities": [["gpu"]]}], [f"device={UUID0}"]),
    ([{"Driver": "", "Count": 2, "DeviceIDs": [], "Capabilities": [["gpu"]]}], ["2"]),
    ([{"Count": "junk"}], ["all"]), (None, []),
])
def test_preview_of_a_running_container(requests, shown):
    raw = {"Name": "/jl", "Config": {"Image": "img"}, "HostConfig": {"DeviceRequests": requests}}
    assert _gpus_option(docker_run_recipe(raw)) == shown


# --- validation, recent launches ---------------------------------------------------------------
def test_validate_names_the_gpus_field():
    bad = LaunchRequest("img", "jl", gpu=True, gpu_devices=("0", "zero"))
    assert "not a GPU" in validate(bad, existing_names=set(), ports_in_use=set())["gpus"]
    good = LaunchRequest("img", "jl", gpu=True, gpu_devices=("0",))
    assert "gpus" not in validate(good, existing_names=set(), ports_in_use=set())


def test_recent_launch_keeps_the_gpus():
    request = LaunchRequest("img", "jl", gpu=True, gpu_devices=("1", UUID0))
    again = LaunchRequest.from_json(json.loads(json.dumps(request.to_json())))
    assert again == request and again.gpu_devices == ("1", UUID0)
    # Files from before the choice have no gpu_devices: all GPUs.
    old = {k: v for k, v in request.to_json().items() if k != "gpu_devices"}
    assert LaunchRequest.from_json(old).gpu_devices == ()
    for bad in ("0", ["x"], [1]):
        with pytest.raises((ValueError, TypeError)):
            LaunchRequest.from_json({**request.to_json(), "gpu_devices": bad})


# --- launch.toml and compose --------------------------------------------------------------------
def test_recipe_round_trip_with_gpus(tmp_path):
    request = LaunchRequest("quay.io/jupyter/pytorch-notebook:cuda12-latest", "jl", gpu=True,
                            gpu_devices=("0", "1"), mounts=[(str(tmp_path), "/home/jovyan/work")],
                            uid=1, gid=1)
    save_recipe(Recipe(request), tmp_path)
    text = recipe_path(tmp_path).read_text()
    assert 'gpu = true\ngpus = ["0", "1"]\n' in text
    assert load_recipe(tmp_path, ids=(1, 1)).request == request
    # All GPUs: no gpus line, as before the choice existed.
    save_recipe(Recipe(LaunchRequest("img", "jl", gpu=True)), tmp_path)
    assert "gpus" not in recipe_path(tmp_path).read_text()


@pytest.mark.parametrize("body, gpu, devices", [
    ("gpu = true\n", True, ()),  # a file written before GPUs could be picked
    ("gpu = false\n", False, ()),
    ('gpus = ["1"]\n', True, ("1",)),  # gpus alone means the GPU
    ('gpu = true\ngpus = []\n', True, ()),
])
def test_recipe_reads_old_and_new_files(tmp_path, body, gpu, devices):
    recipe_path(tmp_path).parent.mkdir()
    recipe_path(tmp_path).write_text('image = "img"\nname = "jl"\n' + body)
    request = load_recipe(tmp_path).request
    assert (request.gpu, request.gpu_devices) == (gpu, devices)


@pytest.mark.parametrize("body, said", [
    ('gpu = false\ngpus = ["0"]\n', 'line 4: gpus: GPUs are picked but gpu = false'),
    ('gpus = ["zero"]\n', "line 3: gpus: 'zero' is not a GPU"),
    ('gpus = [0]\n', "line 3: gpus: the GPUs are a list of ids"),
    ('gpus = "0"\n', "line 3: gpus: must be a list"),
])
def test_recipe_refuses_bad_gpus(tmp_path, body, said):
    recipe_path(tmp_path).parent.mkdir()
    recipe_path(tmp_path).write_text('image = "img"\nname = "jl"\n' + body)
    with pytest.raises(RecipeError, match=said):
        load_recipe(tmp_path)


def _devices_block(yaml_text: str) -> list[str]:
    lines = yaml_text.splitlines()
    start = lines.index("          devices:")
    return lines[start + 1:start + 4]


def test_compose_names_the_gpus(tmp_path):
    some = LaunchRequest("img", "jl", gpu=True, gpu_devices=("0", UUID1))
    assert _devices_block(compose_yaml(Recipe(some), tmp_path)) == [
        "            - driver: nvidia", f'              device_ids: ["0", "{UUID1}"]',
        "              capabilities: [gpu]"]
    every = LaunchRequest("img", "jl", gpu=True)
    assert _devices_block(compose_yaml(Recipe(every), tmp_path))[1] == "              count: all"
    assert "devices:" not in compose_yaml(Recipe(LaunchRequest("img", "jl")), tmp_path)


# --- what the notebook's Python sees -------------------------------------------------------------
def _answer(data) -> str:
    return ".\n.\n2026-11-28 I tensorflow noise\n" + MARKER + json.dumps(data) + "\n"


def test_parse_check_output():
    assert parse_check_output(_answer({})) == {}
    found = parse_check_output(_answer({"torch": {"version": "2.5.1", "cuda": "12.4", "count": 2,
                                                  "names": ["NVIDIA A100", "NVIDIA A100"]}}))
    assert found is not None and found["torch"].cuda and found["torch"].count == 2
    assert parse_check_output("Traceback ...\nModuleNotFoundError") is None
    assert parse_check_output(MARKER + "{not json") is None
    assert parse_check_output(MARKER + "[1]") is None
    odd = parse_check_output(_answer({"torch": {"cuda": None, "count": "2", "names": "x"},
                                      "tensorflow": "?", "jax": {}}))
    assert odd is not None and set(odd) == {"torch", "tensorflow"}
    assert (odd["torch"].cuda, odd["torch"].count, odd["torch"].names) == (False, 0, ())
    assert odd["tensorflow"].error == "no answer"


def test_nothing_to_check():
    check = judge(parse_check_output(_answer({})), "jtui-test/minimal-notebook:latest")
    assert check.outcome == NOT_CHECKED and not check.warning
    assert check.message.startswith("GPU not checked: this image has neither PyTorch nor TensorFlow.")


def test_cpu_build_of_pytorch_is_a_silent_cpu_fallback():
    found = parse_check_output(_answer({"torch": {"version": "2.5.1+cpu", "cuda": None, "count": 0,
                                                  "names": []}}))
    check = judge(found, "quay.io/jupyter/pytorch-notebook:latest")
    assert check.outcome == CPU_FALLBACK and check.warning
    assert check.message == ("PyTorch in this container is a CPU-only build and sees no GPU: "
                             "notebooks will run on the CPU. Use a CUDA tag such as cuda12-latest.")
    tf = judge(parse_check_output(_answer({"tensorflow": {"cuda": False, "count": 0}})),
               "quay.io/jupyter/tensorflow-notebook:2025-01-06")
    assert tf.message.endswith("Use a CUDA tag such as cuda-2025-01-06.")
    own = judge(found, "me/my-image")
    assert "pytorch-notebook:cuda12-latest" in own.message


def test_cuda_build_without_a_driver():
    found = parse_check_output(_answer({"torch": {"cuda": "12.4", "count": 0, "names": []}}))
    check = judge(found, "quay.io/jupyter/pytorch-notebook:cuda12-latest")
    assert check.outcome == CPU_FALLBACK
    assert check.message.startswith("PyTorch in this container sees no GPU: notebooks will run on the CPU.")


def test_python_sees_the_gpus():
    found = parse_check_output(_answer({
        "torch": {"cuda": "12.4", "count": 2, "names": ["NVIDIA A100-SXM4-40GB"] * 2},
        "tensorflow": {"cuda": True, "count": 2, "names": ["NVIDIA A100-SXM4-40GB"] * 2}}))
    check = judge(found, "img")
    assert check.outcome == SEES_GPU and not check.warning
    assert check.message == ("PyTorch sees 2 GPUs (NVIDIA A100-SXM4-40GB). "
                             "TensorFlow sees 2 GPUs (NVIDIA A100-SXM4-40GB).")
    fewer = judge(parse_check_output(_answer({"torch": {"cuda": "12.4", "count": 1, "names": ["T4"]}})),
                  "img", how_many=2)
    assert fewer.outcome == CPU_FALLBACK and fewer.message == "PyTorch sees only 1 GPU (T4) of the 2 asked for."


def test_unknown_and_broken_answers_are_said():
    assert judge(None, "img").outcome == UNKNOWN and judge(None, "img").warning
    broken = judge(parse_check_output(_answer({"torch": {"error": "ImportError: \x1b[31mlibcuda\x07"}})),
                   "img")
    assert broken.outcome == CPU_FALLBACK
    assert "\x1b" not in broken.message and "\x07" not in broken.message
    assert broken.message == "PyTorch could not be imported to check the GPU: ImportError: ?[31mlibcuda?"


def test_the_snippet_runs_where_neither_framework_is_installed():
    """The snippet itself, run by this test's own Python (which has neither PyTorch nor
    TensorFlow): it answers, and says so."""
    out = subprocess.run([sys.executable, "-c", SNIPPET], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    assert parse_check_output(out) == {}
