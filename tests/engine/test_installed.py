"""What a running stack container gained since its image, against the real engine: a pip wheel
from the test's own index and an apt (dpkg) package installed as root are found with their
versions, nothing else is, and the throwaway container of the image leaves nothing behind."""

from tests.local_index import local_index  # noqa: F401 - the fixture
from tests.rig import STACK
from tui.jupyter.installed import Package, find_installed

# A Debian package made inside the container (no network needed): what `apt-get install` leaves
# in dpkg's database, with nothing in apt's "installed as a dependency" file.
MAKE_DEB = """
set -e
mkdir -p /tmp/deb/DEBIAN /tmp/deb/usr/share/jtui-demo
printf 'Package: jtui-demo-tool\\nVersion: 2.5-1\\nArchitecture: all\\nMaintainer: t <t@t>\\nDescription: demo\\n' \
  > /tmp/deb/DEBIAN/control
echo hi > /tmp/deb/usr/share/jtui-demo/hi
dpkg-deb --build /tmp/deb /tmp/jtui-demo-tool.deb >/dev/null
dpkg -i /tmp/jtui-demo-tool.deb >/dev/null
"""


def test_pip_and_apt_installs_are_found_and_nothing_else(engine, spec_factory, local_index):  # noqa: F811
    local_index.add("jtui-found-demo", "3.1")
    c = engine.create_and_start(spec_factory(image=STACK, environment=local_index.pip_env))
    code, out = engine.exec_capture(c.id, ["pip", "install", "--no-cache-dir", "jtui-found-demo"])
    assert code == 0, out
    code, out = engine.exec_capture(c.id, ["sh", "-c", MAKE_DEB], user="root")
    assert code == 0, out
    throwaways_before = engine.api.containers(all=True, filters={"label": "org.jtui.throwaway"})

    found = find_installed(engine, c.id)

    assert found.packages == [Package("pip", "jtui-found-demo", "3.1"),
                              Package("apt", "jtui-demo-tool", "2.5-1")]
    assert found.build_args == local_index.pip_env
    assert found.image == STACK and found.image_id == engine.inspect_container(c.id).summary.image_id
    assert found.image_env.get("NB_USER") == "jovyan" and "PIP_INDEX_URL" not in found.image_env
    assert engine.api.containers(all=True, filters={"label": "org.jtui.throwaway"}) == throwaways_before
    print(f"comparison: {found.seconds:.2f}s")


def test_a_fresh_container_gained_nothing(engine, spec_factory):
    c = engine.create_and_start(spec_factory(image=STACK))
    assert find_installed(engine, c.id).packages == []
