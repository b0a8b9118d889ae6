"""Serving the output folder: the listening socket, paths, and Tornado's handlers.

``listen`` binds before the first build so a taken port fails fast;
``locate`` maps a URL below the base path to a file without ever leaving the
output folder; ``application`` routes the LiveReload websocket, livereload's
browser client and the site's files (HTML pages get the reload script and,
while a build error stands, the error overlay).
"""

from __future__ import annotations

import asyncio
import errno
import json
import mimetypes
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote

import livereload
import tornado.web
import tornado.websocket

from sitegen.model import Problem
from sitegen.serve.hosts import allowed_host
from sitegen.serve.overlay import inject, overlay_html
from sitegen.yamlfile import read_regular

CLIENT_SCRIPT = Path(livereload.__file__).parent / "vendors" / "livereload.js"
LIVERELOAD_PROTOCOL = "http://livereload.com/protocols/official-7"


MAX_NAME = 255
"""Longest file name (in bytes) a path segment may be; longer ones are not found."""
MAX_MESSAGE = 64 * 1024
"""Largest LiveReload message taken (livereload.js sends a few hundred bytes)."""
PING_SECONDS = 30.0
"""A LiveReload socket that does not answer a ping within this long is closed."""
IDLE_SECONDS = 60.0
"""An HTTP connection that sends nothing for this long is closed."""


class PortInUse(Exception):
    """The requested port is taken by another program."""

    def __init__(self, port: int) -> None:
        super().__init__(f"port {port} is in use; try --port 0")
        self.port = port


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
    if any(p.startswith(".sitegen") or len(p.encode()) > MAX_NAME for p in parts):
        return "missing", None
    root = output.resolve()
    target = root.joinpath(*parts)
    try:
        if target.is_dir() and relative and not relative.endswith("/"):
            return "redirect", None
        if target.is_dir():
            target = target / "index.html"
        real = target.resolve(strict=True)
    except (OSError, RuntimeError):  # a name too long, a loop of symlinks
        return "missing", None
    if root not in real.parents:
        return "refused", None
    return ("file", real) if real.is_file() else ("missing", None)


class Preview(Protocol):
    """What the handlers need of the preview that serves (``sitegen.serve.preview``)."""

    browsers: set[tornado.websocket.WebSocketHandler]
    handshakes: int
    site: ServedSite | None
    host: str

    @property
    def building(self) -> bool:
        """Whether a rebuild is running."""

    @property
    def settled(self) -> bool:
        """No rebuild running and none waiting."""

    def output_missing(self) -> None:
        """The output folder is gone: build it again."""

    def snippet(self) -> str:
        """The reload script HTML pages get."""


def application(preview: Preview) -> tornado.web.Application:
    """The routes: LiveReload's websocket and client script, then the site's files."""
    return tornado.web.Application(
        [
            (r"/livereload", _ReloadSocket, {"preview": preview}),
            (r"/livereload\.js", _ClientScript, {"preview": preview}),
            (r"/.*", _SiteFiles, {"preview": preview}),
        ],
        log_function=lambda handler: None,
        websocket_max_message_size=MAX_MESSAGE,
        websocket_ping_interval=PING_SECONDS,
        websocket_ping_timeout=PING_SECONDS,
    )


class _PreviewHandler(tornado.web.RequestHandler):
    """A handler of the preview's; it answers 403 (and says so) when the request's
    ``Host`` is not one the preview serves."""

    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def prepare(self) -> None:
        if not allowed_host(self.request.host, self.preview.host):
            self.set_status(403)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(
                f"Host {self.request.host!r} is not allowed: sitegen serve answers loopback "
                "names (localhost, 127.0.0.1, [::1]) and the --host it was given.\n"
            )


class _ReloadSocket(tornado.websocket.WebSocketHandler, _PreviewHandler):
    """The LiveReload protocol endpoint that livereload.js connects to."""

    def on_message(self, message: str | bytes) -> None:
        try:
            command = json.loads(message).get("command")
        except (ValueError, AttributeError, RecursionError):  # deeply nested: not a command
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


class _ClientScript(_PreviewHandler):
    """livereload's browser client, as shipped in the livereload package."""

    def get(self) -> None:
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(CLIENT_SCRIPT.read_bytes())


class _SiteFiles(_PreviewHandler):
    """Files of the output folder under the base path, and nothing else."""

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
        if status == "missing" and not site.output.is_dir():
            self.preview.output_missing()
        deadline = time.monotonic() + 30
        # a full build swaps the output folder in two renames: wait rather than 404
        while status == "missing" and not self.preview.settled and time.monotonic() < deadline:
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
            try:
                self._send_file(file, site)
            except OSError:  # removed or replaced by a rebuild since it was found
                await self._not_found(site)

    async def _not_found(self, site: ServedSite) -> None:
        self.set_status(404)
        page = site.output / "404.html"
        try:
            self._send_file(page, site)
        except OSError:
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(f"Not found. The site is served at {site.base_path}\n")

    def _send_file(self, file: Path, site: ServedSite) -> None:
        data = read_regular(file)  # never a FIFO put there meanwhile: it would block the loop
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
