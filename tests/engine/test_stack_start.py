"""The rig's stack image starts like docker-stacks' start.sh for what jtui relies on (issue 10):
the permission recipes proven in the other tests are only as true as this script. Each case is
what upstream's script does, read from images/docker-stacks-foundation/start.sh."""

from __future__ import annotations

import pytest

from tests.rig import STACK, TEST_LABEL

# What the command sees: who it runs as, HOME, where it starts, who owns the homes.
PROBE = 'id; echo "HOME=$HOME PWD=$PWD"; stat -c "%n %u:%g" /home/*'


def run(engine, script: str, user: str = "", **env: str) -> tuple[int, str]:
    """The image's own entrypoint (start.sh) running `bash -c script`; both streams."""
    api = engine.api
    container = api.create_container(STACK, command=["bash", "-c", script], user=user,
                                     environment=env, labels={TEST_LABEL: "1"},
                                     host_config=api.create_host_config(network_mode="none"))["Id"]
    try:
        api.start(container)
        code = api.wait(container, timeout=60)["StatusCode"]
        return code, api.logs(container).decode()
    finally:
        api.remove_container(container, force=True)


def test_default_user_is_jovyan(engine):
    code, out = run(engine, PROBE)
    assert code == 0 and "uid=1000(jovyan) gid=100(users)" in out and "HOME=/home/jovyan" in out


def test_nb_uid_as_root_recreates_jovyan_and_drops_to_it(engine):
    code, out = run(engine, PROBE, user="root", NB_UID="4321", NB_GID="4321", CHOWN_HOME="yes")
    assert code == 0, out
    assert "uid=4321(jovyan) gid=4321(jovyan) groups=4321(jovyan),100(users)" in out
    assert "HOME=/home/jovyan" in out and "/home/jovyan 4321:4321" in out


def test_root_recipe_stays_root_with_roots_home(engine):
    # As `sudo --set-home -u root`: HOME is root's own; the start folder moves to /home/root.
    code, out = run(engine, PROBE, user="root", NB_USER="root", NB_UID="0", NB_GID="0")
    assert code == 0, out
    assert "uid=0(root) gid=0(root)" in out and "HOME=/root PWD=/home/root" in out


def test_nb_uid_0_without_nb_user_root_fails(engine):
    # Upstream recreates jovyan with uid 0 and useradd refuses a second uid 0: the container
    # exits. jtui's root recipe sets NB_USER=root for that reason.
    code, out = run(engine, PROBE, user="root", NB_UID="0", NB_GID="0")
    assert code != 0 and "UID 0 is not unique" in out


def test_nb_user_renames_jovyan_and_copies_the_home(engine):
    code, out = run(engine, PROBE + "; whoami", user="root", NB_USER="alice")
    assert code == 0, out
    assert "uid=1000(alice)" in out and "HOME=/home/alice PWD=/home/alice" in out
    assert "/home/alice 1000:100" in out and out.rstrip().endswith("alice")


def test_chown_extra_and_nb_group(engine):
    code, out = run(engine, 'id; stat -c "%n %u:%g" /srv /opt/conda', user="root",
                    NB_UID="4321", NB_GID="777", NB_GROUP="team", CHOWN_EXTRA="/srv,/opt/conda")
    assert code == 0, out
    assert "uid=4321(jovyan) gid=777(team)" in out
    assert "/srv 4321:777" in out and "/opt/conda 4321:777" in out


@pytest.mark.parametrize("user, fixed", [("4321", True), ("4321:0", True), ("4321:4321", False)])
def test_an_arbitrary_uid_gets_a_passwd_entry_when_gid_0_can_write_it(engine, user, fixed):
    code, out = run(engine, "whoami", user=user)
    if fixed:
        assert code == 0 and "Fixed UID!" in out and out.rstrip().endswith("jovyan")
    else:
        assert code != 0 and 'Try setting gid=0 with "--user=4321:0"' in out


def test_nb_variables_without_root_are_warned_about(engine):
    code, out = run(engine, "id -u", NB_UID="4321", NB_USER="bob")
    assert code == 0 and out.rstrip().endswith("1000")
    assert 'WARNING: container must be started as root to change the desired user\'s id with NB_UID="4321"!' in out
    assert 'NB_USER="bob"' in out
