"""The interactive shell key in a real terminal: the app hands the terminal to `docker exec -it`
and comes back intact and still live."""

import time


def test_shell_inside_a_container_and_back(terminal, engine, busybox, spec_factory):
    terminal.wait_for("connected")
    terminal.select_by_filter(busybox.name)
    terminal.wait_for(f"{busybox.name} ")
    terminal.keys("e")
    terminal.wait_for(f"jtui: shell in {busybox.name}", timeout=20)
    time.sleep(0.5)
    terminal.keys("echo hello-from-$((6*7))", "Enter")
    terminal.wait_for("hello-from-42", timeout=10)
    terminal.keys("exit", "Enter")
    screen = terminal.wait_for("[1] Containers", timeout=20)
    assert "hello-from-42" not in screen  # the app repainted its own screen
    terminal.wait_for("Back from the shell", timeout=10)
    # Still live: a container created now shows up.
    terminal.keys("Escape")  # clear the filter
    newcomer = engine.create_and_start(spec_factory(name="aaaa-" + spec_factory().name))
    terminal.wait_for(newcomer.name, timeout=10)  # sorted first among the running: on screen
    assert terminal.alive()
    terminal.keys("q")
