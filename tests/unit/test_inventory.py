"""Details, layers, volumes and disk usage from the engine's JSON: masking, formatting, the prune
figures. No engine: the JSON is written out here as the engine sends it (API 1.41)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.engine.inventory import (
    MASK,
    chain_layers,
    container_fields,
    docker_run_recipe,
    image_fields,
    image_prune_bytes,
    is_secret_name,
    layer_command,
    masked,
    usage_from_df,
    volume_users,
    volumes_from,
)
from tui.ui.details_screen import field_cells, section_text

INSPECT = {
    "Id": "c0ffee" * 10 + "abcd",
    "Name": "/lab",
    "Created": "2026-11-28T01:00:00.123456789Z",
    "Image": "sha256:1234",
    "RestartCount": 2,
    "State": {"Status": "running", "StartedAt": "2026-11-28T01:00:01Z",
              "Health": {"Status": "unhealthy", "FailingStreak": 3,
                         "Log": [{"End": "2026-11-28T01:00:05Z", "ExitCode": 0, "Output": "ok"},
                                 {"End": "2026-11-28T01:00:10Z", "ExitCode": 1,
                                  "Output": "curl: (7) Failed to connect\n"}]}},
    "Config": {
        "Image": "quay.io/jupyter/base-notebook:2025-10-20",
        "Env": ["API_TOKEN=s3cr3t", "aws_secret_access_key=abc", "DB_PASSWORD=", "PATH=/usr/bin",
                "JUPYTER_TOKEN=tok", "NOTEBOOK_ARGS=--ServerApp.root_dir=/home/jovyan"],
        "Labels": {"org.jtui.jupyter": "lab", "org.jtui.user": "1000:100", "maintainer": "Jupyter"},
        "Cmd": ["start-notebook.py"], "User": "root", "WorkingDir": "/home/jovyan",
    },
    "HostConfig": {"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 5},
                   "PortBindings": {"8888/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8890"}]},
                   "Memory": 536870912, "NanoCpus": 1500000000, "ShmSize": 67108864},
    "NetworkSettings": {"Ports": {"8888/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8890"}],
                                  "9000/tcp": None}},
    "Mounts": [
        {"Type": "bind", "Source": "/home/me/project", "Destination": "/home/jovyan/work", "RW": True},
        {"Type": "bind", "Source": "/data", "Destination": "/data", "RW": False},
        {"Type": "volume", "Name": "lab-home", "Source": "/var/lib/docker/volumes/lab-home/_data",
         "Destination": "/home/jovyan", "RW": True},
    ],
}
IMAGE = {"Id": "sha256:1234",
         "RepoDigests": ["other/repo@sha256:aaa", "quay.io/jupyter/base-notebook@sha256:bbb"],
         "Config": {"Env": ["PATH=/usr/bin"], "Labels": {"maintainer": "Jupyter"},
                    "Cmd": ["start-notebook.py"], "User": "1000"}}


def by(fields, section, name):
    return next(f for f in fields if f.section == section and f.name == name)


@pytest.mark.parametrize("name, secret", [
    ("API_TOKEN", True), ("aws_secret_access_key", True), ("DB_PASSWORD", True), ("SSH_KEY", True),
    ("JUPYTER_TOKEN", True), ("PATH", False), ("HOME", False), ("NB_UID", False),
])
def test_secret_names(name, secret):
    assert is_secret_name(name) is secret
    assert (masked(name, "value") == MASK) is secret


def test_an_empty_secret_stays_empty():
    assert masked("DB_PASSWORD", "") == ""


def test_container_fields_mask_the_environment():
    fields = container_fields(INSPECT, IMAGE)
    env = {f.name: f for f in fields if f.section == "Environment"}
    assert env["API_TOKEN"].value == MASK and env["API_TOKEN"].secret
    assert env["aws_secret_access_key"].value == MASK
    assert env["JUPYTER_TOKEN"].copied == MASK  # y copies what the row shows
    assert env["DB_PASSWORD"].value == "" and not env["DB_PASSWORD"].secret
    assert env["PATH"].value == "/usr/bin" and not env["PATH"].secret
    text = repr(fields)
    assert "s3cr3t" not in text and "abc" not in text.replace("abcd", "") and "tok" not in text


def test_container_fields_mounts_ports_health_restart_image():
    owners = {"/home/me/project": "1000 (me)", "/data": "0 (root)"}
    fields = container_fields(INSPECT, IMAGE, local=True, owner_of=owners.get)
    work = by(fields, "Mounts", "/home/jovyan/work")
    assert work.value == "/home/me/project ⇄ /home/jovyan/work (bind, rw, owner uid 1000 (me))"
    assert work.copied == "/home/me/project"
    assert by(fields, "Mounts", "/data").value == "/data ⇄ /data (bind, ro, owner uid 0 (root))"
    assert by(fields, "Mounts", "/home/jovyan").value == "volume lab-home ⇄ /home/jovyan (rw)"
    assert by(fields, "Ports", "8888/tcp").value == "127.0.0.1:8890"
    assert by(fields, "Ports", "9000/tcp").value == "not published"
    assert by(fields, "Health", "status").value == "unhealthy"
    assert by(fields, "Health", "last probe").value == "exit 1 at 2026-11-28 01:00:10 UTC"
    assert by(fields, "Health", "last output").value == "curl: (7) Failed to connect"
    assert by(fields, "Restart", "policy").value == "on-failure (at most 5 retries)"
    assert by(fields, "Restart", "restarts so far").value == "2"
    assert by(fields, "Image", "digest").value == "quay.io/jupyter/base-notebook@sha256:bbb"
    assert by(fields, "Container", "created").value == "2026-11-28 01:00:00 UTC"


def test_owner_is_shown_only_for_a_local_engine():
    fields = container_fields(INSPECT, IMAGE, local=False, owner_of=lambda p: "1000 (me)")
    assert "owner" not in by(fields, "Mounts", "/home/jovyan/work").value


def test_launch_recipe_for_jtui_containers_holds_no_secret():
    fields = container_fields(INSPECT, IMAGE)
    launched = {f.name: f.value for f in fields if f.section == "Launched by jtui"}
    assert launched["jupyter"] == "lab" and launched["user"] == "1000:100"
    recipe = launched["docker run"]
    assert recipe.startswith("docker run -d --name lab -p 127.0.0.1:8890:8888 ")
    assert "--mount type=bind,source=/data,target=/data,readonly" in recipe
    assert "--mount type=volume,source=lab-home,target=/home/jovyan " in recipe
    assert "-e API_TOKEN " in recipe and "-e JUPYTER_TOKEN " in recipe  # from the caller's env
    assert "s3cr3t" not in recipe and "=tok" not in recipe
    assert "PATH=" not in recipe  # the image's own
    assert "maintainer" not in recipe and "--label org.jtui.jupyter=lab" in recipe
    assert "--memory 536870912b" in recipe and "--cpus 1.5" in recipe and "--shm-size" not in recipe
    assert "--user root" in recipe and "--restart on-failure" in recipe
    assert recipe.endswith(" quay.io/jupyter/base-notebook:2025-10-20")  # Cmd is the image's


def test_no_recipe_for_other_containers():
    other = {**INSPECT, "Config": {**INSPECT["Config"], "Labels": {"maintainer": "x"}}}
    assert not [f for f in container_fields(other, IMAGE) if f.section == "Launched by jtui"]
    assert "docker run -d --name lab" in docker_run_recipe(other, IMAGE)


def test_a_removed_image_leaves_the_rest():
    fields = container_fields(INSPECT, None)
    assert by(fields, "Image", "digest").value == "(image not on the engine)"


@pytest.mark.parametrize("created_by, shown", [
    ("/bin/sh -c #(nop)  CMD [\"sh\"]", 'CMD ["sh"]'),
    ("/bin/sh -c apt-get update", "RUN apt-get update"),
    ("RUN /bin/sh -c pip install x # buildkit", "RUN /bin/sh -c pip install x # buildkit"),
    ("", ""),
])
def test_layer_command(created_by, shown):
    assert layer_command(created_by) == shown


def test_image_fields_list_layers_newest_first():
    history = [{"Created": 1795828134, "CreatedBy": "/bin/sh -c #(nop)  LABEL a=b", "Size": 0},
               {"Created": 1795828134, "CreatedBy": "/bin/sh -c head -c 6000000 /dev/urandom > /x",
                "Size": 6000000},
               {"Created": 1795800000, "CreatedBy": "", "Size": 1984132}]
    now = datetime.fromtimestamp(1795828134 + 600, UTC)
    fields = image_fields({"Id": "sha256:1", "RepoTags": ["a:1"], "Size": 7984132,
                           "Config": {"Env": ["HF_TOKEN=x"]}}, history, now=now)
    layers = [f for f in fields if f.section.startswith("Layers")]
    assert [f.section for f in layers] == ["Layers (3, newest first)"] * 3
    assert [f.name for f in layers] == ["  3      0B  10m", "  2     6MB  10m", "  1  1.98MB   7h"]
    assert layers[1].value == "RUN head -c 6000000 /dev/urandom > /x"
    assert layers[1].copied == "/bin/sh -c head -c 6000000 /dev/urandom > /x"
    assert layers[2].value == "(no command: imported)"
    assert by(fields, "Environment", "HF_TOKEN").value == MASK
    assert by(fields, "Image", "size").value == "7.98MB"


DF = {
    "LayersSize": 1000,
    "Images": [{"Id": "sha256:used", "RepoTags": ["used:1"], "Size": 600, "SharedSize": 100, "Containers": 2},
               {"Id": "sha256:idle", "RepoTags": ["idle:1"], "Size": 500, "SharedSize": 100, "Containers": 0}],
    "Containers": [{"Id": "a" * 64, "Names": ["/up"], "State": "running", "SizeRw": 10},
                   {"Id": "b" * 64, "Names": ["/down"], "State": "exited", "SizeRw": 30},
                   {"Id": "c" * 64, "Names": ["/new"], "State": "created", "SizeRw": 5}],
    "Volumes": [{"Name": "data", "Driver": "local", "CreatedAt": "2026-11-28T01:00:00Z",
                 "UsageData": {"Size": 4096, "RefCount": 1}},
                {"Name": "old", "Driver": "local", "UsageData": {"Size": 1000, "RefCount": 0}},
                {"Name": "nfs", "Driver": "nfs", "UsageData": {"Size": -1, "RefCount": 0}}],
    "BuildCache": [{"ID": "x1", "Type": "regular", "Size": 70, "InUse": False, "Shared": False},
                   {"ID": "x2", "Type": "regular", "Size": 20, "InUse": True, "Shared": False},
                   {"ID": "x3", "Type": "regular", "Size": 9, "InUse": False, "Shared": True}],
}


def test_disk_usage_as_docker_system_df():
    usage = usage_from_df(DF)
    rows = {r.kind: r for r in usage.rows}
    # Images: what used images hold alone (600 - 100) stays; docker's own "reclaimable".
    assert (rows["Images"].count, rows["Images"].active, rows["Images"].size,
            rows["Images"].reclaimable) == (2, 1, 1000, 500)
    assert (rows["Containers"].count, rows["Containers"].active, rows["Containers"].size,
            rows["Containers"].reclaimable) == (3, 1, 45, 35)
    assert (rows["Local volumes"].active, rows["Local volumes"].size,
            rows["Local volumes"].reclaimable) == (1, 5096, 1000)
    assert (rows["Build cache"].size, rows["Build cache"].reclaimable) == (90, 70)
    assert usage.reclaimable == 500 + 35 + 1000 + 70


def test_prune_plans_say_what_they_free():
    plans = usage_from_df(DF).plans
    assert plans["containers"].items == ("down (30B)", "new (5B)") and plans["containers"].frees == 35
    assert plans["containers"].exact and plans["containers"].frees_text == "35B"
    assert plans["images"].items == ("idle:1 (500B)",) and plans["images"].frees == 500
    # 500 - 100 is sure; the 100 it shares may stay with "used": an upper bound.
    assert not plans["images"].exact and plans["images"].frees_text == "up to 500B"
    assert plans["volumes"].items == ("old (1kB)", "nfs (size unknown)") and not plans["volumes"].exact
    assert "1 of them have no size" in plans["volumes"].note
    assert plans["build-cache"].frees == 70 and len(plans["build-cache"].items) == 1
    empty = {**DF, "Volumes": [{"Name": "e", "UsageData": {"Size": 0, "RefCount": 0}}]}
    assert usage_from_df(empty).plans["volumes"].exact  # an empty volume is measured: 0B


def test_images_all_unused_are_freed_exactly():
    df = {**DF, "Images": [{**i, "Containers": 0} for i in DF["Images"]]}
    plan = usage_from_df(df).plans["images"]
    assert plan.exact and plan.frees == 1000


def test_layers_are_the_same_when_everything_under_them_is():
    inspect = {"RootFS": {"Layers": ["sha256:a", "sha256:b"]}}
    history = [{"CreatedBy": "CMD", "Size": 0}, {"Size": 20}, {"Size": 10}]  # newest first
    assert chain_layers(inspect, history) == [("/sha256:a", 10), ("/sha256:a/sha256:b", 20)]
    # A layer of 0 bytes: which entry is which cannot be told.
    assert chain_layers(inspect, [{"Size": 0}, {"Size": 10}]) is None
    assert chain_layers({}, history) is None


def test_image_prune_frees_the_layers_no_kept_image_has():
    base = ("/a", 100)
    layers = {"kept": [base, ("/a/k", 5)], "idle": [base, ("/a/i", 7)], "other": [("/o", 3)]}
    assert image_prune_bytes(layers, {"kept"}) == 7 + 3  # the shared base stays
    assert image_prune_bytes(layers, set()) == 100 + 5 + 7 + 3
    assert image_prune_bytes(layers, {"kept", "idle", "other"}) == 0


def test_volumes_and_their_users():
    containers = [{"Id": "1", "Names": ["/lab"], "Mounts": [{"Type": "volume", "Name": "data"},
                                                           {"Type": "bind", "Source": "/x"}]},
                  {"Id": "2", "Names": ["/old-lab"], "Mounts": [{"Type": "volume", "Name": "data"}]}]
    assert volume_users(containers) == {"data": ["lab", "old-lab"]}
    volumes = volumes_from(DF, containers)
    assert [v.name for v in volumes] == ["data", "nfs", "old"]
    data = volumes[0]
    assert data.users == ("lab", "old-lab") and data.in_use and data.size == 4096
    assert data.created == datetime(2026, 11, 28, 1, tzinfo=UTC)
    assert volumes[1].size is None and not volumes[1].in_use


def test_cells_are_text_not_markup_and_one_line():
    fields = container_fields({**INSPECT, "Config": {**INSPECT["Config"],
                                                     "Env": ["X=[bold]hi[/bold]\x1b[31m\nnext"]}})
    x = by(fields, "Environment", "X")
    name, value = field_cells(x)
    assert "\x1b" not in value.plain and "\n" not in value.plain and "[bold]" in value.plain
    assert section_text(fields, "Restart") == "policy: on-failure (at most 5 retries)\nrestarts so far: 2"


# --- any JSON: never raises ------------------------------------------------------------------
N = st.none()
text = st.text(max_size=8)
anything = st.recursive(st.none() | st.booleans() | st.integers() | text,
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                        max_leaves=12)


def obj(**fields):
    return st.fixed_dictionaries({}, optional={k: v | N | anything for k, v in fields.items()})


mount = obj(Type=st.sampled_from(["bind", "volume"]), Source=text, Name=text, Destination=text,
            RW=st.booleans())
inspect_doc = obj(Id=text, Name=text, Image=text, Created=text, Mounts=st.lists(mount, max_size=3),
                  Config=obj(Env=st.lists(text, max_size=3), Labels=st.dictionaries(text, text, max_size=3),
                             Image=text, Cmd=st.lists(text, max_size=2)),
                  HostConfig=obj(PortBindings=st.dictionaries(text, st.lists(obj(HostIp=text, HostPort=text))),
                                 RestartPolicy=obj(Name=text, MaximumRetryCount=st.integers()),
                                 Memory=st.integers(), NanoCpus=st.integers()),
                  State=obj(Status=text, Health=obj(Status=text, Log=st.lists(obj(Output=text, ExitCode=st.integers())))))
df_doc = obj(LayersSize=st.integers(),
             Images=st.lists(obj(Id=text, Size=st.integers(), SharedSize=st.integers(), Containers=st.integers())),
             Containers=st.lists(obj(Names=st.lists(text), State=text, SizeRw=st.integers())),
             Volumes=st.lists(obj(Name=text, UsageData=obj(Size=st.integers(), RefCount=st.integers()))),
             BuildCache=st.lists(obj(ID=text, Size=st.integers(), InUse=st.booleans(), Shared=st.booleans())))


@given(inspect_doc, anything)
def test_container_fields_take_any_json(raw, image):
    for f in container_fields(raw, image, local=True, owner_of=lambda p: ""):
        assert isinstance(f.value, str) and isinstance(f.copied, str)
        field_cells(f)


@given(df_doc, anything)
def test_disk_usage_takes_any_json(df, containers):
    usage = usage_from_df(df)
    assert all(r.reclaimable >= 0 and r.size >= 0 for r in usage.rows)
    assert all(p.frees >= 0 for p in usage.plans.values())
    volumes_from(df, containers)


@given(anything, anything)
def test_image_fields_take_any_json(raw, history):
    image_fields(raw, history)


async def test_details_screen_takes_a_section_twice():
    """Rows are keyed by place: a section that comes back further down is a second header."""
    from textual.app import App

    from tui.engine.inventory import Field
    from tui.ui.details_screen import DetailsScreen

    fields = [Field("A", "x", "1"), Field("B", "y", "[b]2[/b]"), Field("A", "z", "3")]
    screen = DetailsScreen("title", lambda: fields)

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(screen)

    async with Host().run_test() as pilot:
        for _ in range(100):
            if screen.fields:
                break
            await pilot.pause(0.02)
        assert screen.table.row_count == 6
        assert screen.section_row("A") == 0 and screen.section_row("B") == 2
        screen.table.move_cursor(row=3)
        await pilot.pause()
        assert screen.selected() == (fields[1], None)
        assert "[b]2[/b]" in str(screen.value_view.render())  # text, not markup
        screen.table.move_cursor(row=4)
        assert screen.selected() == (None, "A")
