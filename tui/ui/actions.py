"""What the single keys do to containers and images. Mixed into the app: every engine call runs
in a thread worker and reports back; failures show the engine's reason."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from datetime import datetime

from textual import work
from textual.app import SuspendNotSupported

from .. import humanize
from ..engine import (BuildFailed, BuildResult, Cancelled, ContainerSummary, Engine, EngineError,
                      ImageInUse)
from ..jupyter.build import BuildRequest, context_files, dockerfile
from .build_screen import BuildScreen
from .dialogs import ConfirmScreen, FormScreen, OutputScreen

# A login shell if the image has bash, else sh: one exec, no guessing from outside.
SHELL_CMD = ["sh", "-c", "command -v bash >/dev/null 2>&1 && exec bash || exec sh"]


class ContainerActions:
    """Start, stop, restart, remove, shell, run a command, commit."""

    def _targets(self) -> list[ContainerSummary]:
        chosen = self.containers.targets()
        if not chosen:
            self.notify("Select a container first.", severity="warning")
        return chosen

    def _lifecycle(self, verb: str) -> None:
        engine = self.require_engine(f"{verb} containers")
        targets = self._targets()
        if engine is None or not targets:
            return
        names = ", ".join(c.name for c in targets)
        grace = self.config.stop_grace_seconds
        detail = f" (up to {grace}s for kernels to shut down)" if verb in ("stop", "restart") else ""
        self.notify(f"{verb.capitalize()}ing {names}{detail}…", timeout=3)
        self.containers.clear_marks()  # the marks were for this action
        self._run_lifecycle(engine, verb, [(c.id, c.name) for c in targets], grace)

    @work(thread=True, group="lifecycle", exit_on_error=False, description="container action")
    def _run_lifecycle(self, engine: Engine, verb: str, targets: list[tuple[str, str]],
                       grace: int) -> None:
        done, failed = [], []
        for cid, name in targets:
            try:
                if verb == "start":
                    engine.start(cid)
                elif verb == "stop":
                    engine.stop(cid, grace=grace)
                elif verb == "restart":
                    engine.restart(cid, grace=grace)
                elif verb == "remove":
                    engine.remove(cid)
                elif verb == "force-remove":
                    engine.remove(cid, force=True)
                done.append(name)
            except EngineError as exc:
                failed.append(f"{name}: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""))
        past = {"start": "Started", "stop": "Stopped", "restart": "Restarted", "remove": "Removed",
                "force-remove": "Removed"}[verb]
        if done:
            self.call_from_thread(self.notify, f"{past} {', '.join(done)}.", timeout=4)
        for text in failed:
            self.call_from_thread(self.notify, text, title=f"Could not {verb}", severity="error",
                                  timeout=10)
        self.last_action_result = (verb, done, failed)

    def action_start_containers(self) -> None:
        self._lifecycle("start")

    def action_stop_containers(self) -> None:
        self._lifecycle("stop")

    def action_restart_containers(self) -> None:
        self._lifecycle("restart")

    def action_remove_containers(self) -> None:
        if self.require_engine("remove containers") is None:
            return
        targets = self._targets()
        if not targets:
            return
        running = [c.name for c in targets if c.running]
        names = ", ".join(c.name for c in targets)
        if running:
            body = (f"Remove {names}?\n\n{', '.join(running)} "
                    f"{'is' if len(running) == 1 else 'are'} running: removing stops "
                    f"{'it' if len(running) == 1 else 'them'} at once (no grace period). Files "
                    "outside mounted folders are lost.")
            choices = [("force", "Force remove", "error")]
        else:
            body = f"Remove {names}? Files outside mounted folders are lost."
            choices = [("remove", "Remove", "error")]

        def answered(choice: str | None) -> None:
            if choice == "force":
                self._lifecycle("force-remove")
            elif choice == "remove":
                self._lifecycle("remove")

        self.push_screen(ConfirmScreen("Remove containers", body, choices), answered)

    def action_shell(self) -> None:
        engine = self.require_engine("open a shell")
        c = self.containers.selected
        if engine is None or c is None:
            return
        if not c.running:
            self.notify(f"{c.name} is not running: start it first (S).", severity="warning")
            return
        docker = shutil.which("docker")
        cmd = ["docker", *engine.endpoint.cli_args(), "exec", "-it", c.id, *SHELL_CMD]
        if docker is None:
            self.notify("The docker command-line tool is not installed here; run this in a terminal "
                        f"that has it:\n{shlex.join(cmd)}", severity="error", timeout=15)
            return
        try:
            with self.suspend():
                print(f"jtui: shell in {c.name} — type exit to come back.", flush=True)
                code = subprocess.call([docker, *cmd[1:]])
        except SuspendNotSupported:
            self.notify("This terminal cannot hand over to a shell (for example when jtui is served "
                        f"in a browser). Run it in a terminal:\n{shlex.join(cmd)}",
                        severity="warning", timeout=15)
            return
        self.notify(f"Back from the shell in {c.name} (exit code {code}).", timeout=3)

    def action_run_command(self) -> None:
        engine = self.require_engine("run a command")
        c = self.containers.selected
        if engine is None or c is None:
            return
        if not c.running:
            self.notify(f"{c.name} is not running: start it first (S).", severity="warning")
            return

        def check(values: dict) -> str | None:
            try:
                return None if shlex.split(values["command"]) else "type a command"
            except ValueError as exc:
                return f"unbalanced quotes ({exc})"

        def chosen(values: dict | None) -> None:
            if values:
                argv = shlex.split(values["command"])
                screen = OutputScreen(f"{c.name} $ {shlex.join(argv)}")
                self.push_screen(screen)
                self.output_screen = screen
                self._run_exec(engine, c.id, argv, screen)

        self.push_screen(FormScreen(
            f"Run a command in {c.name}", [("command", "Command", "", "pip install tensorflow")],
            ok="Run", check=check,
            note="Runs as the container's user, without a shell: use sh -c '…' for pipes."), chosen)

    @work(thread=True, group="exec", exit_on_error=False, description="run command")
    def _run_exec(self, engine: Engine, cid: str, argv: list[str], screen: OutputScreen) -> None:
        batch: list[str] = []
        try:
            for out in engine.exec_stream(cid, argv, cancel=screen.cancel):
                if out.stream == "exit":
                    code = int(out.text)
                    self.call_from_thread(screen.write, batch)
                    self.call_from_thread(screen.finish, f"exit code {code}" +
                                          ("" if code == 0 else " (failed)"), code != 0)
                    return
                batch.append(out.text)
                if len(batch) >= 20 or out.stream == "stderr":
                    self.call_from_thread(screen.write, batch)
                    batch = []
        except Cancelled:
            self.call_from_thread(screen.write, batch)
            self.call_from_thread(screen.finish, "cancelled (the command may still run inside)", True)
        except EngineError as exc:
            self.call_from_thread(screen.finish, f"{exc.message} ({exc.hint})", True)

    def action_commit_container(self) -> None:
        engine = self.require_engine("commit a container")
        c = self.containers.selected
        if engine is None or c is None:
            return
        repo = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in c.name.lower())

        def check(values: dict) -> str | None:
            if not values["repository"] or values["repository"] != values["repository"].lower():
                return "the repository is lower case, like my-scipy"
            return None

        def chosen(values: dict | None) -> None:
            if values:
                self._commit(engine, c.id, c.name, values["repository"], values["tag"] or "latest",
                             values["message"])

        self.push_screen(FormScreen(
            f"Commit {c.name} to a new image",
            [("repository", "Repository", f"{repo}-saved", "my-scipy"),
             ("tag", "Tag", datetime.now().strftime("%Y%m%d-%H%M"), "latest"),
             ("message", "Message", "", "installed tensorflow")],
            ok="Commit", check=check,
            note="Saves the container's files (not its mounted folders) as an image you can launch."),
            chosen)

    @work(thread=True, group="commit", exit_on_error=False, description="commit")
    def _commit(self, engine: Engine, cid: str, name: str, repo: str, tag: str, message: str) -> None:
        try:
            image_id = engine.commit(cid, repo, tag, message=message)
        except EngineError as exc:
            self.call_from_thread(self.notify, f"{exc.message}", title="Commit failed", severity="error")
            return
        self.last_commit = f"{repo}:{tag}"
        self.call_from_thread(self.notify, f"Committed {name} to {repo}:{tag} ({image_id[7:19]}). "
                              "Launch it from the images pane with l.", timeout=6)


class ImageActions:
    """Pull any reference, remove (with what uses it), prune dangling, build custom images."""

    def action_pull_image(self) -> None:
        engine = self.require_engine("pull an image")
        if engine is None:
            return
        stack = self.images.selected_stack
        default = stack.image(self.config.registry) if stack else ""

        def chosen(values: dict | None) -> None:
            if values and values["reference"].strip():
                ref = values["reference"].strip()
                screen = OutputScreen(f"Pull {ref}", progress=True)
                self.push_screen(screen)
                self.output_screen = screen
                self._pull(engine, ref, screen)

        self.push_screen(FormScreen("Pull an image", [("reference", "Image", default,
                                                       "quay.io/jupyter/scipy-notebook:2025-10-20")],
                                    ok="Pull"), chosen)

    @work(thread=True, group="pull", exit_on_error=False, description="pull")
    def _pull(self, engine: Engine, ref: str, screen: OutputScreen) -> None:
        try:
            last_status = ""
            for p in engine.pull(ref, cancel=screen.cancel):
                text = (f"{p.layers_done}/{p.layers_total} layers, {humanize.size(p.current_bytes)} "
                        f"of {humanize.size(p.total_bytes)}")
                self.call_from_thread(screen.progress, p.fraction, text)
                if p.status and p.status != last_status:
                    last_status = p.status
                    self.call_from_thread(screen.write, [p.status])
            self.call_from_thread(screen.finish, f"Pulled {ref}.")
        except EngineError as exc:
            self.call_from_thread(screen.finish, f"{exc.message}\n{exc.hint}", True)

    def action_remove_image(self) -> None:
        engine = self.require_engine("remove an image")
        image = self.images.selected_image
        if engine is None:
            return
        if image is None:
            self.notify("Select a local image first (catalog entries are not pulled).", severity="warning")
            return
        users = [c.name for c in self.containers.containers.values() if c.image_id == image.id]
        body = f"Remove {image.display_name} ({humanize.size(image.size)})?"
        if len(image.tags) > 1:
            body += f"\nOnly the tag {image.display_name} goes; {len(image.tags) - 1} other tag(s) keep the image."
        if users:
            body += f"\n\nIn use by container(s): {', '.join(users)}. Remove them first, or force."
        choices = [("remove", "Remove", "error")] + ([("force", "Force", "error")] if users else [])

        def answered(choice: str | None) -> None:
            if choice:
                self._remove_image(engine, image.display_name, choice == "force", users)

        self.push_screen(ConfirmScreen("Remove image", body, choices), answered)

    @work(thread=True, group="images", exit_on_error=False, description="remove image")
    def _remove_image(self, engine: Engine, ref: str, force: bool, users: list[str]) -> None:
        try:
            engine.remove_image(ref, force=force)
        except ImageInUse as exc:
            who = f" by {', '.join(users)}" if users else ""
            self.call_from_thread(self.notify, f"{ref} is in use{who}: remove those containers first "
                                  f"or choose Force.\nEngine: {exc.message}", title="Image in use",
                                  severity="error", timeout=10)
            return
        except EngineError as exc:
            self.call_from_thread(self.notify, exc.message, title="Could not remove", severity="error")
            return
        self.call_from_thread(self.notify, f"Removed {ref}.")

    def action_prune_images(self) -> None:
        engine = self.require_engine("prune images")
        if engine is None:
            return
        dangling = [i for i in self.images.images.values() if i.dangling]
        size = humanize.size(sum(i.size for i in dangling))

        def answered(choice: str | None) -> None:
            if choice:
                self._prune_dangling(engine)

        self.push_screen(ConfirmScreen(
            "Prune dangling images", f"Remove {len(dangling)} untagged image(s) (about {size})?",
            [("prune", "Prune", "error")]), answered)

    @work(thread=True, group="images", exit_on_error=False, description="prune")
    def _prune_dangling(self, engine: Engine) -> None:
        try:
            count, reclaimed = engine.prune_images()
        except EngineError as exc:
            self.call_from_thread(self.notify, exc.message, title="Prune failed", severity="error")
            return
        self.call_from_thread(self.notify, f"Pruned {count} image(s), {humanize.size(reclaimed)} freed.")

    def action_build_image(self) -> None:
        engine = self.require_engine("build an image")
        if engine is None:
            return
        stack = self.images.selected_stack
        image = self.images.selected_image
        base = image.display_name if image else (stack.image(self.config.registry) if stack else "")
        name = (stack.name if stack else base.rsplit("/", 1)[-1].split(":")[0]) or "custom"

        def chosen(request: BuildRequest | None) -> None:
            if request:
                screen = OutputScreen(f"Build {request.tag} from {request.base}")
                self.push_screen(screen)
                self.output_screen = screen
                self._build(engine, request, screen)

        self.push_screen(BuildScreen(base, f"{name}-custom:latest"), chosen)

    @work(thread=True, group="build", exit_on_error=False, description="build")
    def _build(self, engine: Engine, request: BuildRequest, screen: OutputScreen) -> None:
        try:
            files = context_files(request)
            self.call_from_thread(screen.write, dockerfile(request).splitlines() + [""])
            for item in engine.build(dockerfile(request), request.tag, files=files, cancel=screen.cancel):
                if isinstance(item, BuildResult):
                    self.call_from_thread(screen.finish, f"Built {request.tag} ({item.image_id[7:19]}).")
                else:
                    self.call_from_thread(screen.write, [item])
        except BuildFailed as exc:
            self.call_from_thread(screen.finish, f"Build failed at: {exc.step or '?'}\n{exc.message}", True)
        except (EngineError, ValueError, OSError) as exc:
            self.call_from_thread(screen.finish, f"Build failed: {exc}", True)
