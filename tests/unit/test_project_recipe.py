"""Project files (repo2docker's set and precedence), the Dockerfile jtui writes for them, the
launch recipe's round trip and its exports, without an engine."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tui.jupyter import project as project_module
from tui.jupyter.launch import LaunchRequest
from tui.jupyter.project import (
    FOLDER_LABEL,
    HASH_LABEL,
    ProjectFileProblem,
    apt_packages,
    detect_project,
    image_out_of_date,
    pip_build_args,
    plan_build,
    project_tag,
)
from tui.jupyter.recipe import (
    Recipe,
    RecipeError,
    compose_yaml,
    load_recipe,
    recipe_text,
    run_script,
    save_recipe,
    toml_string,
)

STACK = "quay.io/jupyter/scipy-notebook:2025-01-06"


def _files(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_a_dockerfile_wins_alone(tmp_path):
    _files(tmp_path, Dockerfile="FROM x\n", **{"requirements.txt": "a\n", "apt.txt": "b\n"})
    found = detect_project(tmp_path)
    assert found is not None and found.names == ("Dockerfile",) and found.own_dockerfile
    assert len(found.ignored) == 2


def test_environment_yml_wins_over_requirements(tmp_path):
    _files(tmp_path, **{"requirements.txt": "a\n", "environment.yml": "dependencies: [b]\n",
                        "apt.txt": "c\n", "postBuild": "echo\n"})
    found = detect_project(tmp_path)
    assert found is not None
    assert found.names == ("apt.txt", "environment.yml", "postBuild")
    assert "requirements.txt" in found.ignored[0]


def test_binder_folder_is_used_first(tmp_path):
    _files(tmp_path, **{"requirements.txt": "root\n"})
    _files(tmp_path / "binder", **{"requirements.txt": "binder\n"})
    found = detect_project(tmp_path)
    assert found is not None and found.config_dir == tmp_path / "binder"
    assert detect_project(tmp_path / "nothing-here") is None


def test_dockerfile_follows_the_docker_stacks_recipes(tmp_path):
    _files(tmp_path, **{"requirements.txt": "pandas\n", "environment.yml": "x\n",
                        "apt.txt": "# tools\ngraphviz\ncurl # web\n", "postBuild": "echo hi\n"})
    build = plan_build(tmp_path, STACK, {"PIP_INDEX_URL": "https://mirror/simple", "HOME": "/x"})
    assert build is not None
    text = build.dockerfile
    assert text.splitlines()[1] == f"FROM {STACK}"
    # apt as root, then back to the notebook user before anything else runs.
    assert "USER root\nRUN apt-get update --yes" in text
    assert "--no-install-recommends graphviz curl" in text
    assert text.index("USER ${NB_UID}") < text.index("COPY")
    assert "COPY --chown=${NB_UID}:${NB_GID} environment.yml /tmp/jtui-project/" in text
    assert "mamba clean --all -f -y" in text
    assert 'fix-permissions "${CONDA_DIR}"' in text and 'fix-permissions "/home/${NB_USER}"' in text
    assert "requirements.txt" not in text.split("\n", 1)[1]  # environment.yml wins
    assert "ARG PIP_INDEX_URL" in text and "https://mirror" not in text
    assert build.build_args == {"PIP_INDEX_URL": "https://mirror/simple"}
    assert text.index("ARG PIP_INDEX_URL") > text.index("apt-get")  # apt's layer survives a mirror change
    assert build.labels[HASH_LABEL] == build.project.digest
    assert build.labels[FOLDER_LABEL] == str(tmp_path)


def test_requirements_recipe(tmp_path):
    _files(tmp_path, **{"requirements.txt": "pandas\n"})
    build = plan_build(tmp_path, STACK, {})
    assert build is not None
    assert "RUN pip install --no-cache-dir --requirement /tmp/jtui-project/requirements.txt" in build.dockerfile
    assert "ARG" not in build.dockerfile and build.build_args == {}


def test_own_dockerfile_gets_only_the_args_it_declares(tmp_path):
    _files(tmp_path, Dockerfile="FROM x\nARG PIP_INDEX_URL\nRUN pip install y\n")
    build = plan_build(tmp_path, STACK, {"PIP_INDEX_URL": "u", "PIP_TRUSTED_HOST": "h"})
    assert build is not None and build.build_args == {"PIP_INDEX_URL": "u"}
    assert build.dockerfile.startswith("FROM x")


def test_bad_apt_name_is_refused():
    with pytest.raises(ProjectFileProblem, match="line 2"):
        apt_packages("curl\nrm -rf; x\n")


def test_pip_settings_come_from_the_environment():
    assert pip_build_args({"PIP_EXTRA_INDEX_URL": "e", "PIP_TRUSTED_HOST": "", "OTHER": "o"}) == {
        "PIP_EXTRA_INDEX_URL": "e"}


def test_out_of_date(tmp_path, monkeypatch):
    monkeypatch.setattr(project_module, "HASH_MAX_AGE", 0.0)
    _files(tmp_path, **{"requirements.txt": "a==1\n"})
    build = plan_build(tmp_path, STACK, {})
    assert build is not None
    labels = build.labels
    assert image_out_of_date(labels) is False
    (tmp_path / "requirements.txt").write_text("a==2\n")
    assert image_out_of_date(labels) is True
    assert image_out_of_date({}) is None
    assert image_out_of_date({**labels, FOLDER_LABEL: str(tmp_path / "gone")}) is None


def test_tags_differ_for_folders_of_the_same_name(tmp_path):
    a, b = project_tag(tmp_path / "x" / "Analysis"), project_tag(tmp_path / "y" / "Analysis")
    assert a != b and a.startswith("jtui-project/analysis-") and a.endswith(":latest")


def _recipe(folder: Path) -> Recipe:
    return Recipe(LaunchRequest(
        STACK, "analysis", host_port=8890, mounts=[(str(folder), "/home/jovyan/work"),
                                                   (str(folder / "data"), "/home/jovyan/data"),
                                                   ("condaenv", "/opt/envs")],
        read_only=["/home/jovyan/data"], environment={"GREETING": 'say "hi"\tto $USER\x7f', "MY_TOKEN": "t"},
        mode="notebook", run_as_user=True, uid=1234, gid=1234, gpu=True, restart_policy="unless-stopped",
        extra_ports=[(4040, 4040), (8051, 8050)], memory="8g", cpus="2", shm_size="1g", keep_home=True),
        build_project=True, digest="quay.io/jupyter/scipy-notebook@sha256:" + "a" * 64)


def test_recipe_round_trip(tmp_path):
    recipe = _recipe(tmp_path)
    path, backup = save_recipe(recipe, tmp_path)
    assert backup is None and path == tmp_path / ".jtui" / "launch.toml"
    text = path.read_text()
    assert "TOKEN" not in text.replace("No token", "")  # never a token, not even a variable's
    assert 'source = "."' in text and 'source = "./data"' in text  # follows the folder
    back = load_recipe(tmp_path, ids=(1234, 1234))
    expected = recipe.request
    expected.environment.pop("MY_TOKEN")
    assert back == recipe
    # Moved elsewhere, the folder's mounts follow it.
    moved = tmp_path.parent / (tmp_path.name + "-moved")
    tmp_path.rename(moved)
    assert load_recipe(moved).request.mounts[0] == (str(moved), "/home/jovyan/work")


def test_no_port_means_docker_picks(tmp_path):
    save_recipe(Recipe(LaunchRequest(STACK, "x", mounts=[])), tmp_path)
    assert load_recipe(tmp_path).request.host_port is None


@pytest.mark.parametrize("text, line, words", [
    ('image = "x"\nname = "y"\nport = "eighty"\n', 3, "port: must be a number"),
    ('image = "x"\nname = "y"\n\ngpu = 1\n', 4, "gpu: must be true or false"),
    ('image = "x"\nname = "y"\nprot = 1\n', 3, "unknown setting"),
    ('image = "x"\nname = [\n', 2, "not valid TOML"),
    ('name = "y"\n', 1, "image"),
])
def test_malformed_recipe_names_the_line(tmp_path, text, line, words):
    (tmp_path / ".jtui").mkdir()
    (tmp_path / ".jtui" / "launch.toml").write_text(text)
    with pytest.raises(RecipeError) as info:
        load_recipe(tmp_path)
    message = str(info.value)
    assert f"line {line}" in message and words in message and "launch.toml" in message


def test_an_unreadable_recipe_is_kept(tmp_path):
    (tmp_path / ".jtui").mkdir()
    (tmp_path / ".jtui" / "launch.toml").write_text("image = [\n")
    path, backup = save_recipe(Recipe(LaunchRequest(STACK, "x")), tmp_path)
    assert backup is not None and backup.read_text() == "image = [\n"
    assert load_recipe(tmp_path).request.image == STACK


@pytest.mark.parametrize("text", ['a"b\\c', "tab\there", "nl\nx", "\x00\x1f\x7f", "é ✓ 日本"])
def test_toml_strings(text):
    assert tomllib.loads(f"v = {toml_string(text)}")["v"] == text


def test_recipe_text_is_toml(tmp_path):
    assert tomllib.loads(recipe_text(_recipe(tmp_path), tmp_path))["interface"] == "notebook"


def test_compose_structure(tmp_path):
    # No YAML parser in the project: the file is checked line by line here, and started with the
    # compose CLI in tests/engine/test_project.py.
    _files(tmp_path, **{"requirements.txt": "x\n"})
    text = compose_yaml(_recipe(tmp_path), tmp_path)
    lines = text.splitlines()
    assert 'services:' in lines and '  "analysis":' in lines
    assert '      - "127.0.0.1:8890:8888"' in lines and '      - "127.0.0.1:8051:8050"' in lines
    assert '        source: ".."' in lines and '        source: "../data"' in lines
    assert '        read_only: true' in lines
    assert '      context: ".."' in lines and '      dockerfile: ".jtui/Dockerfile"' in lines
    assert '      GREETING: "say \\"hi\\"\\tto $$USER\\u007f"' in lines  # compose's $ escaped
    assert any(l.startswith('      JUPYTER_TOKEN: "${JUPYTER_TOKEN:?') for l in lines)
    assert '    user: "root"' in lines and '    restart: "unless-stopped"' in lines
    assert '    mem_limit: "8g"' in lines and '            - driver: nvidia' in lines
    # Indentation is always by two spaces and no line has a tab (YAML forbids them).
    assert all(not l.startswith("\t") and (len(l) - len(l.lstrip(" "))) % 2 == 0 for l in lines)


def test_run_script_follows_the_folder(tmp_path):
    folder = tmp_path / "my project"
    _files(folder, **{"requirements.txt": "x\n"})
    script = run_script(_recipe(folder), folder)
    assert 'cd "$(dirname "$0")/.."' in script
    assert "docker build -t jtui-project/my-project-" in script and "--build-arg PIP_INDEX_URL" in script
    assert "JUPYTER_TOKEN=" in script and "-e JUPYTER_TOKEN \\" in script
    assert re.search(r"echo \"http://127\.0\.0\.1:\$\{port\}/tree\?token=\$\{JUPYTER_TOKEN\}\"", script)


def test_row_says_image_out_of_date():
    from tui.ui.rows import image_cell

    assert image_cell("jtui-project/a-1:latest").plain == "jtui-project/a-1:latest"
    assert image_cell("jtui-project/a-1:latest", stale=True).plain.endswith("image out of date (U)")


def test_jtui_launch_without_a_recipe_says_so(tmp_path):
    import io

    from tui import launch_command
    from tui.cli import main

    err = io.StringIO()
    assert launch_command.main([str(tmp_path), "--no-copy"], io.StringIO(), err) == 1
    assert "launch.toml: no such file" in err.getvalue()
    # Through the `jtui` command itself: the sub-command is recognised before the UI's flags.
    assert main(["launch", str(tmp_path), "--no-copy"]) == 1
