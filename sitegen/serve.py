"""Live preview: build, serve the output, rebuild on change, reload open browsers.

``Preview`` builds into the normal output folder, serves it under the site's base
path, watches the inputs with watchdog and rebuilds incrementally, then tells
browsers to reload over the LiveReload protocol.

Why not livereload's own ``Server``: its ``serve()`` blocks on the process-wide
Tornado loop and keeps its browsers in class attributes (no ``stop()``, no two
servers in one test process), it cannot serve under a base path, it injects only
its script (no error overlay), and its polling watcher drops reloads that come
within three seconds of the last one, so the reload after fixing a typo could be
lost. We use livereload's pieces instead: its browser client (``livereload.js``,
shipped inside the package) and its protocol (version 7: ``hello`` handshake,
``reload`` with a path; a ``.css`` path makes the client swap that stylesheet
without reloading the page), spoken over a Tornado websocket; Tornado is what
livereload itself runs on.

The reload script and the error overlay are added by the server at response
time, never written to disk: the output folder stays byte-identical to what
``sitegen build`` writes (nothing to re-render when switching between the two,
nothing dev-only to deploy by mistake), and while a build error stands every
HTML page served, even a fresh load, shows the overlay over the last good site.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import html
import importlib
import importlib.util
import inspect
import json
import mimetypes
import re
import socket
import threading
import time
import webbrowser
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import click
import livereload
import tornado.httpserver
import tornado.web
import tornado.websocket
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from sitegen.build import BuildResult, OutputRefused, build_site
from sitegen.cache import StageCache
from sitegen.model import InputError, Problem, Severity
from sitegen.settings import SETTINGS_FILE, Settings, load_settings

WATCHED_FOLDERS = ("seeds", "content", "templates", "static")
"""Project folders whose changes trigger a rebuild (with ``sitegen.yaml``)."""
DEBOUNCE = 0.2
"""Seconds of quiet after the last change before rebuilding: one build per burst of saves."""
CLIENT_SCRIPT = Path(livereload.__file__).parent / "vendors" / "livereload.js"
LIVERELOAD_PROTOCOL = "http://livereload.com/protocols/official-7"
OVERLAY_ID = "sitegen-error-overlay"


class PortInUse(Exception):
    """The requested port is taken by another program."""

    def __init__(self, port: int) -> None:
        super().__init__(f"port {port} is in use; try --port 0")
        self.port = port


def is_editor_temp(name: str) -> bool:
    """Swap, backup and probe files editors write next to the file being saved."""
    return (
        name.startswith((".#", ".sitegen"))
        or name.endswith(("~", ".swp", ".swo", ".swx", ".swpx", "___jb_tmp___", "___jb_old___"))
        or name == "4913"  # vim's probe for a writable folder
        or (name.startswith(".") and name.endswith((".tmp", ".kate-swp")))
    )


def overlay_html(problems: Sequence[Problem]) -> str:
    """The dismissable error box shown over the last good site (all text escaped)."""
    items = "".join(
        '<li style="margin:.4em 0;white-space:pre-wrap"><code style="font-weight:bold">'
        f"{html.escape(p.file if p.line is None else f'{p.file}:{p.line}')}</code>: "
        f"{html.escape(p.message)}</li>"
        for p in problems
    )
    return (
        f'<div id="{OVERLAY_ID}" role="alert" aria-labelledby="{OVERLAY_ID}-title" '
        'style="position:fixed;z-index:2147483647;left:1rem;right:1rem;bottom:1rem;'
        "max-height:60vh;overflow:auto;padding:1rem 1.25rem;border-radius:.5rem;"
        "background:#7a0b0b;color:#fff;font:15px/1.45 system-ui,sans-serif;"
        'box-shadow:0 .5rem 2rem rgba(0,0,0,.5)">'
        f'<p id="{OVERLAY_ID}-title" style="margin:0;font-weight:bold;font-size:1.1em">'
        "Build failed: showing the last good site</p>"
        f'<ul style="margin:.5em 0;padding-left:1.2em">{items}</ul>'
        '<p style="margin:0">Fix the file and save: this page reloads by itself.</p>'
        '<button type="button" onclick="this.parentNode.remove()" '
        'style="margin-top:.75em;font:inherit;padding:.2em .8em;color:#000;background:#fff;'
        'border:0;border-radius:.25rem;cursor:pointer">Dismiss</button>'
        "<script>document.addEventListener('keydown',function(e){if(e.key==='Escape'){"
        f"var o=document.getElementById('{OVERLAY_ID}');if(o)o.remove()}}}})</script>"
        "</div>"
    )


_BODY_OPEN = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)


def inject(page: bytes, script: str, overlay: str) -> bytes:
    """Overlay after ``<body>`` (keyboard reaches it first), script before ``</body>``."""
    if overlay:
        found = _BODY_OPEN.search(page)
        at = found.end() if found else 0
        page = page[:at] + overlay.encode() + page[at:]
    end = page.lower().rfind(b"</body>")
    if end < 0:
        return page + script.encode()
    return page[:end] + script.encode() + page[end:]


def listen(host: str, port: int) -> socket.socket:
    """A listening socket (closed again if binding fails, unlike Tornado's ``bind_sockets``)."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    try:
        server = socket.create_server((host, port), family=family)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(port) from exc
        raise
    server.setblocking(False)
    return server


@dataclass(frozen=True)
class ServedSite:
    """What the server shows; replaced whole after every build (readers need no lock)."""

    output: Path
    base_path: str
    problems: tuple[Problem, ...] = ()
    """Errors of the last build; while any stand, HTML pages carry the overlay."""


def locate(output: Path, relative: str) -> tuple[str, Path | None]:
    """Map a decoded URL path below the base path to a file in ``output``.

    Returns ``("file", path)``, ``("redirect", None)`` for a folder named without
    its trailing slash, ``("missing", None)`` or ``("refused", None)`` for
    anything that would leave the output folder (``..``, symlinks out).
    """
    parts = [part for part in relative.split("/") if part]
    if "\0" in relative or "\\" in relative or any(p in (".", "..") for p in parts):
        return "refused", None
    if any(p.startswith(".sitegen") for p in parts):
        return "missing", None
    root = output.resolve()
    target = root.joinpath(*parts)
    if target.is_dir() and relative and not relative.endswith("/"):
        return "redirect", None
    if target.is_dir():
        target = target / "index.html"
    try:
        real = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return "missing", None
    if root not in real.parents:
        return "refused", None
    return ("file", real) if real.is_file() else ("missing", None)


class Preview:
    """A preview server for one project; ``start()`` returns its URL, ``stop()`` ends it."""

    def __init__(
        self,
        root: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        debounce: float = DEBOUNCE,
        jobs: int | None = None,
        search: bool = True,
        echo: Callable[[str], None] = click.echo,
    ) -> None:
        self.root = root.resolve()
        self.host = host
        self.port = port
        self.debounce = debounce
        self.jobs = jobs
        self.search = search
        """Update the search indexes after each build (in the background)."""
        self.echo = echo
        self.rebuilds = 0
        """Rebuilds since ``start()``, failed ones too."""
        self.site: ServedSite | None = None
        """What is being served; None before the first build."""
        self.browsers: set[tornado.websocket.WebSocketHandler] = set()
        """Open LiveReload connections (touched only on the server's event loop)."""
        self.handshakes = 0
        """LiveReload handshakes so far: every page load with the script makes one."""
        self._sockets: list[socket.socket] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._http: tornado.httpserver.HTTPServer | None = None
        self._observer: Any = None
        self._watched: dict[str, Any] = {}
        self._threads: list[threading.Thread] = []
        self._changes: set[str] = set()
        self.stages = StageCache.for_project(self.root)
        """The catalogue's derived results, kept in memory from one rebuild to the next."""
        self._first_change = self._last_change = 0.0
        self._wake = threading.Condition()
        self._idle = threading.Event()
        self._stopping = threading.Event()
        self._indexer: ThreadPoolExecutor | None = None
        self._warnings: tuple[Problem, ...] = ()
        self._indexed_once = False

    # ---- lifecycle -------------------------------------------------------

    def start(self) -> str:
        """Bind, build, then serve and watch in background threads; return the site URL."""
        self._sockets = [listen(self.host, self.port)]
        self.port = self._sockets[0].getsockname()[1]
        self._idle.set()
        try:
            self._build(changed=[], initial=True)
        except BaseException:
            for sock in self._sockets:
                sock.close()
            raise
        ready = threading.Event()
        self._spawn(self._serve, ready)
        ready.wait(10)
        self._watch()
        self._spawn(self._rebuild_loop)
        return self.url

    @property
    def url(self) -> str:
        """Where the site is served."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        base = self.site.base_path if self.site else "/"
        return f"http://{host}:{self.port}{base}"

    def stop(self) -> None:
        """Stop watching and serving; waits for a running build to finish."""
        self._stopping.set()
        self._idle.set()
        with self._wake:
            self._wake.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(5)
        if self._loop is not None and self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        for thread in self._threads:
            thread.join(10)
        if self._indexer is not None:
            self._indexer.shutdown(wait=True, cancel_futures=True)
        for sock in self._sockets:
            sock.close()

    @property
    def building(self) -> bool:
        """Whether a rebuild is running (the output folder may be mid-swap)."""
        return not self._idle.is_set()

    def wait(self) -> None:
        """Block until ``stop()`` (Ctrl-C reaches the caller between checks)."""
        while not self._stopping.wait(0.5):
            pass

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(
            target=target, args=args, daemon=True, name=f"sitegen-{target.__name__}"
        )
        self._threads.append(thread)
        thread.start()

    # ---- building --------------------------------------------------------

    def _build(self, changed: Sequence[str], *, initial: bool = False) -> None:
        start = time.perf_counter()
        settings, problems = load_settings(self.root)
        previous = self.site
        try:
            errors = [p for p in problems if p.severity is Severity.ERROR]
            if errors:
                raise InputError(errors)
            result = build_site(settings, jobs=self.jobs, index_search=False, stages=self.stages)
        except InputError as exc:
            self._failed(settings, exc.problems, changed, initial)
            return
        except OutputRefused as exc:
            if initial:
                raise
            self._failed(settings, [Problem(SETTINGS_FILE, None, str(exc))], changed, initial)
            return
        except Exception as exc:  # an internal error must not take the server down
            self._failed(
                settings, [Problem("sitegen", None, f"internal error: {exc!r}")], changed, initial
            )
            return
        self.site = ServedSite(settings.output_path, settings.base_path)
        ms = (time.perf_counter() - start) * 1000
        if initial:
            self.echo(result.summary())
        else:
            self.echo(
                f"{_names(changed)} changed: {len(result.written)} rewritten, "
                f"{len(result.removed)} removed in {ms:.0f} ms"
            )
        self._report_warnings(result.problems)
        if not initial:
            self._reload(result, recovered=previous is not None and bool(previous.problems))
        self._index(result, settings)

    def _failed(
        self, settings: Settings, problems: Sequence[Problem], changed: Sequence[str], initial: bool
    ) -> None:
        good = self.site or ServedSite(settings.output_path, settings.base_path)
        before = good.problems
        self.site = ServedSite(good.output, good.base_path, tuple(problems))
        what = "initial build" if initial else f"{_names(changed)} changed"
        self.echo(f"{what}: build failed, {len(problems)} problem(s); serving the last good site")
        for problem in problems:
            self.echo(str(problem))
        if not initial and tuple(problems) != before:
            self._send([{"command": "reload", "path": good.base_path, "liveCSS": False}])

    def _report_warnings(self, problems: Iterable[Problem]) -> None:
        warnings = tuple(problems)
        if warnings != self._warnings:
            for problem in warnings:
                self.echo(str(problem))
        self._warnings = warnings

    def _reload(self, result: BuildResult, *, recovered: bool) -> None:
        """Tell browsers what changed: stylesheets alone are swapped in place."""
        assert self.site is not None
        changed = result.written + result.removed
        if not changed and not recovered:
            return
        base = self.site.base_path
        if not recovered and not result.removed and all(n.endswith(".css") for n in changed):
            self._send([{"command": "reload", "path": base + n, "liveCSS": True} for n in changed])
        else:
            self._send([{"command": "reload", "path": base, "liveCSS": False}])

    def _index(self, result: BuildResult, settings: Settings) -> None:
        """Update the search index in the background, after browsers were told to reload."""
        index_site = _search_indexer() if self.search else None
        if index_site is None:
            return
        if self._indexer is None:
            self._indexer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sitegen-index")
        full, self._indexed_once = not self._indexed_once, True

        changed = result.written + result.removed

        def run() -> None:
            try:
                index_site(result.catalog, settings, result.output, changed=changed, full=full)
            except Exception as exc:  # the site is served either way; say why search lags
                self.echo(f"search index not updated: {exc}")

        self._indexer.submit(run)

    # ---- watching --------------------------------------------------------

    def _watch(self) -> None:
        self._observer = Observer()
        handler = _Changes(self)
        self._observer.schedule(handler, str(self.root), recursive=False)
        for name in WATCHED_FOLDERS:
            self._watch_folder(name)
        self._observer.start()

    def _watch_folder(self, name: str) -> None:
        folder = self.root / name
        if not folder.is_dir():
            return
        old = self._watched.pop(name, None)
        if old is not None:
            with contextlib.suppress(KeyError, ValueError):
                self._observer.unschedule(old)
        self._watched[name] = self._observer.schedule(_Changes(self), str(folder), recursive=True)

    def changed(self, path: str) -> None:
        """Note a changed input file; the rebuild waits for a quiet moment."""
        try:
            relative = Path(path).resolve().relative_to(self.root)
        except ValueError:
            return
        site = self.site
        if site is not None and (self.root / relative).resolve().is_relative_to(site.output):
            return
        parts = relative.parts
        if not parts or is_editor_temp(parts[-1]):
            return
        if parts[0] not in WATCHED_FOLDERS and relative.as_posix() != SETTINGS_FILE:
            return
        if len(parts) == 1 and parts[0] in WATCHED_FOLDERS:
            self._watch_folder(parts[0])  # created or replaced: watch the new folder
        with self._wake:
            now = time.monotonic()
            if not self._changes:
                self._first_change = now
            self._changes.add(relative.as_posix())
            self._last_change = now
            self._wake.notify_all()

    def _rebuild_loop(self) -> None:
        while not self._stopping.is_set():
            with self._wake:
                while not self._changes and not self._stopping.is_set():
                    self._wake.wait()
                # debounce: wait for quiet, but never hold a rebuild back for long
                while not self._stopping.is_set():
                    now = time.monotonic()
                    quiet_at = min(self._last_change + self.debounce, self._first_change + 2.0)
                    if now >= quiet_at:
                        break
                    self._wake.wait(quiet_at - now)
                if self._stopping.is_set():
                    return
                changed = sorted(self._changes)
                self._changes.clear()
                self._idle.clear()
            try:
                self.rebuilds += 1
                self._build(changed)
            finally:
                self._idle.set()

    # ---- serving ---------------------------------------------------------

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop

        async def setup() -> None:
            app = tornado.web.Application(
                [
                    (r"/livereload", _ReloadSocket, {"preview": self}),
                    (r"/livereload\.js", _ClientScript),
                    (r"/.*", _SiteFiles, {"preview": self}),
                ],
                log_function=lambda handler: None,
            )
            self._http = tornado.httpserver.HTTPServer(app)
            self._http.add_sockets(self._sockets)

        loop.run_until_complete(setup())
        ready.set()
        try:
            loop.run_forever()
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    async def _shutdown(self) -> None:
        for browser in list(self.browsers):
            browser.close()
        if self._http is not None:
            self._http.stop()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._http.close_all_connections(), 2)
        asyncio.get_running_loop().stop()

    def _send(self, messages: list[dict[str, Any]]) -> None:
        """Send LiveReload commands to every connected browser (from any thread)."""
        if self._loop is None or not self._loop.is_running():
            return

        def send() -> None:
            for browser in list(self.browsers):
                for message in messages:
                    try:
                        browser.write_message(json.dumps(message))
                    except tornado.websocket.WebSocketClosedError:
                        self.browsers.discard(browser)

        self._loop.call_soon_threadsafe(send)

    def snippet(self) -> str:
        """The reload script every served HTML page gets."""
        return f'<script src="/livereload.js?port={self.port}" async></script>'


class _Changes(FileSystemEventHandler):
    """Forward edits to the preview; reads (opened/closed events) are not edits."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in ("created", "modified", "deleted", "moved"):
            return
        if event.is_directory and event.event_type == "modified":
            return
        paths = (
            [event.src_path, event.dest_path] if event.event_type == "moved" else [event.src_path]
        )
        for path in paths:
            if path:
                self.preview.changed(path if isinstance(path, str) else path.decode())


class _ReloadSocket(tornado.websocket.WebSocketHandler):
    """The LiveReload protocol endpoint that livereload.js connects to."""

    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def on_message(self, message: str | bytes) -> None:
        try:
            command = json.loads(message).get("command")
        except (ValueError, AttributeError):
            return
        if command == "hello":
            self.write_message(
                json.dumps(
                    {
                        "command": "hello",
                        "protocols": [LIVERELOAD_PROTOCOL],
                        "serverName": "sitegen",
                    }
                )
            )
            self.preview.browsers.add(self)
            self.preview.handshakes += 1

    def on_close(self) -> None:
        self.preview.browsers.discard(self)


class _ClientScript(tornado.web.RequestHandler):
    """livereload's browser client, as shipped in the livereload package."""

    def get(self) -> None:
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(CLIENT_SCRIPT.read_bytes())


class _SiteFiles(tornado.web.RequestHandler):
    """Files of the output folder under the base path, and nothing else."""

    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    async def head(self) -> None:
        await self.get()

    async def get(self) -> None:
        site = self.preview.site
        assert site is not None
        path = unquote(self.request.path)
        if path + "/" == site.base_path or (path == "/" and site.base_path != "/"):
            self.redirect(site.base_path)
            return
        if not path.startswith(site.base_path):
            await self._not_found(site)
            return
        relative = path[len(site.base_path) :]
        status, file = locate(site.output, relative)
        deadline = time.monotonic() + 30
        # a full build swaps the output folder in two renames: wait rather than 404
        while status == "missing" and self.preview.building and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            site = self.preview.site or site
            status, file = locate(site.output, relative)
        if status == "redirect":
            self.redirect(self.request.path + "/")
        elif status == "refused":
            self.send_error(403)
        elif file is None:
            await self._not_found(site)
        else:
            self._send_file(file, site)

    async def _not_found(self, site: ServedSite) -> None:
        self.set_status(404)
        page = site.output / "404.html"
        if page.is_file():
            self._send_file(page, site)
        else:
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(f"Not found. The site is served at {site.base_path}\n")

    def _send_file(self, file: Path, site: ServedSite) -> None:
        data = file.read_bytes()
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if kind == "text/html":
            overlay = overlay_html(site.problems) if site.problems else ""
            data = inject(data, self.preview.snippet(), overlay)
        if kind.startswith("text/") or kind in (
            "application/json",
            "application/xml",
            "image/svg+xml",
        ):
            kind += "; charset=utf-8"
        self.set_header("Content-Type", kind)
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        if self.request.method == "HEAD":
            self.set_header("Content-Length", str(len(data)))
            self.finish()
        else:
            self.finish(data)


def _names(changed: Sequence[str]) -> str:
    shown = ", ".join(changed[:3])
    return shown + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")


def _search_indexer() -> Callable[..., object] | None:
    """``sitegen.search.index_site`` when it exists with the expected signature."""
    if importlib.util.find_spec("sitegen.search") is None:
        return None
    try:
        index_site = getattr(importlib.import_module("sitegen.search"), "index_site", None)
    except Exception:
        return None
    if not callable(index_site):
        return None
    try:
        inspect.signature(index_site).bind(None, None, None, changed=[], full=False)
    except (TypeError, ValueError):
        return None
    return index_site  # type: ignore[no-any-return]


def serve(root: Path, *, host: str, port: int, open_browser: bool, jobs: int | None = None) -> int:
    """Run a preview until Ctrl-C; return the exit code."""
    preview = Preview(root, host=host, port=port, jobs=jobs)
    try:
        url = preview.start()
    except PortInUse as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except OutputRefused as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except OSError as exc:
        click.echo(f"error: cannot serve on {host}:{port}: {exc.strerror or exc}", err=True)
        return 1
    except KeyboardInterrupt:
        preview.stop()
        return 0
    try:
        click.echo(
            f"serving {url} (watching {', '.join(WATCHED_FOLDERS)} and {SETTINGS_FILE}; "
            "Ctrl-C stops)"
        )
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        preview.wait()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        with contextlib.suppress(KeyboardInterrupt):
            preview.stop()
    return 0
