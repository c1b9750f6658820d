"""Jupyter on single keys: launch from an image or stack, the URL of each Jupyter container
(found for containers started elsewhere too), copy and open it, relaunch recent launches.
Mixed into the app; engine calls run in thread workers."""

from __future__ import annotations

import os

from textual import work

from ..engine import ContainerSummary, Engine, EngineError
from ..jupyter.catalog import find_stack
from ..jupyter.detect import is_jupyter_container
from ..jupyter.launch import LaunchRequest, default_name, first_free_port, host_ids
from ..jupyter.launcher import discover
from ..jupyter.server import JupyterServer
from .clipboard import copy_native, open_in_browser
from .launch_form import LaunchForm, LaunchSucceeded
from .recent_screen import RecentScreen

DISCOVER_RETRY_SECONDS = 2.0
DISCOVER_MAX_TRIES = 30  # about a minute of start-up


class JupyterActions:
    def _maybe_discover(self, container: ContainerSummary) -> None:
        if (container.running and is_jupyter_container(container) and container.id not in self.servers
                and container.id not in self._discovering and self.connected and self.engine):
            self._discovering.add(container.id)
            self._discover(self.engine, container.id)

    @work(thread=True, group="discover", exit_on_error=False, description="find Jupyter URL")
    def _discover(self, engine: Engine, container_id: str) -> None:
        try:
            server = discover(engine, container_id)
        except EngineError:
            server = None
        self.call_from_thread(self._discovered, container_id, server)

    def _discovered(self, container_id: str, server: JupyterServer | None) -> None:
        self._discovering.discard(container_id)
        if server is None:
            # Jupyter may still be starting: try again while it stays selected and running.
            tries = self._discover_tries.get(container_id, 0) + 1
            self._discover_tries[container_id] = tries
            if tries < DISCOVER_MAX_TRIES:
                self.set_timer(DISCOVER_RETRY_SECONDS, self._rediscover)
        else:
            self.servers[container_id] = server
            self.containers.set_url(container_id, server.url)
            self._show_details()

    def _rediscover(self) -> None:
        selected = self.containers.selected
        if selected is not None:
            self._maybe_discover(selected)

    # --- launch -------------------------------------------------------------------------------
    def _local_engine(self) -> bool:
        url = self.engine.endpoint.url if self.engine else ""
        return url.startswith(("unix://", "npipe://")) or "://127.0.0.1" in url or "://localhost" in url

    def _ports_in_use(self) -> set[int]:
        return {p.host_port for c in self.containers.containers.values() for p in c.ports
                if p.host_port and c.running}

    def launch_request_for(self, image: str, base_name: str) -> LaunchRequest:
        names = {c.name for c in self.containers.containers.values()}
        local = self._local_engine()
        port = first_free_port(taken=self._ports_in_use()) if local else None
        folder = os.getcwd()
        uid, gid = host_ids()
        return LaunchRequest(image=image, name=default_name(base_name, names), host_port=port,
                             mounts=[(folder, "/home/jovyan/work")], uid=uid, gid=gid,
                             run_as_user=local and uid not in (0, 1000))

    def open_launch_form(self, request: LaunchRequest) -> None:
        engine = self.require_engine("launch Jupyter")
        if engine is None:
            return
        names = {c.name for c in self.containers.containers.values()}
        self.push_screen(LaunchForm(request, engine, existing_names=names,
                                    ports_in_use=self._ports_in_use(), local_engine=self._local_engine()))

    def action_launch(self) -> None:
        stack = self.images.selected_stack
        image = self.images.selected_image
        if self.focused is self.images and image is not None and stack is None:
            ref = image.display_name
            base = ref.rsplit("/", 1)[-1].split(":")[0].split("@")[0] or "jupyter"
        else:
            stack = stack or find_stack("minimal-notebook")
            if image is not None and find_stack(image.display_name) is stack:
                ref = image.display_name  # the local image of that stack, with its tag
            else:
                ref = stack.image(self.config.registry)
            base = stack.name
        self.open_launch_form(self.launch_request_for(ref, base))

    def on_launch_succeeded(self, message: LaunchSucceeded) -> None:
        self.servers[message.container_id] = message.server
        self.containers.set_url(message.container_id, message.server.url)
        if message.container_id in self.containers._rendered:
            self.containers.move_cursor(row=self.containers.get_row_index(message.container_id))
        self._show_details()
        self.last_launch = message
        try:
            self.recent.remember(message.request)
        except OSError as exc:
            self.notify(f"Could not remember this launch: {exc}", severity="warning")
        self.notify(f"{message.request.name} is ready in {message.seconds:.1f}s: {message.server.url}\n"
                    "u copies the URL, o opens it.", title="Jupyter is ready", timeout=10)

    def action_recent(self) -> None:
        requests = self.recent.load()
        if not requests:
            self.notify("No recent launches yet.")
            return

        def chosen(request: LaunchRequest | None) -> None:
            if request is not None:
                names = {c.name for c in self.containers.containers.values()}
                if request.name in names:
                    request.name = default_name(request.name.rstrip("0123456789-") or request.name, names)
                self.open_launch_form(request)

        self.push_screen(RecentScreen(requests), chosen)

    def _selected_server(self) -> JupyterServer | None:
        c = self.containers.selected
        if c is None:
            self.notify("Select a Jupyter container first.", severity="warning")
            return None
        server = self.servers.get(c.id)
        if server is None:
            self._maybe_discover(c)
            self.notify(f"No Jupyter URL known for {c.name} yet"
                        + ("." if c.running else ": it is not running."), severity="warning")
        return server

    def copy_text(self, text: str, what: str) -> str:
        """Copy and say where it went; returns that message."""
        problem = copy_native(text)
        self.copy_to_clipboard(text)  # OSC 52: reaches the user's terminal, even over ssh/tmux
        if problem is None:
            msg = f"Copied the {what} to the clipboard (system clipboard and terminal OSC 52)."
        else:
            msg = (f"Copied the {what} through the terminal (OSC 52) only; system clipboard: {problem}.")
        self.notify(msg, timeout=5)
        return msg

    def action_copy_url(self) -> None:
        server = self._selected_server()
        if server is not None:
            self.copy_text(server.url, "Jupyter URL")

    def action_open_url(self) -> None:
        server = self._selected_server()
        if server is None:
            return
        problem = open_in_browser(server.url)
        if problem:
            self.notify(f"Could not open a browser: {problem}.", severity="warning")
        else:
            self.notify("Opened in your browser.")
