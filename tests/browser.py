"""Headless chromium for browser tests, driven over the DevTools protocol (stdlib only).

``Browser`` starts Debian's chromium headless with the network blocked (a dead proxy
and DevTools' offline emulation), opens pages, evaluates JavaScript, collects console
errors and uncaught exceptions, and takes screenshots. No selenium, no websocket
package: a minimal RFC 6455 client is included.

Example
-------
>>> with Browser() as b:                                   # doctest: +SKIP
...     b.open(Path("karta.html"))
...     b.evaluate("document.title")
...     b.screenshot(artifacts_dir() / "karta.png")
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

__all__ = ["CHROMIUM", "Browser", "BrowserError", "artifacts_dir", "require_chromium"]

CHROMIUM = os.environ.get("GEOLAGE_CHROMIUM", "/usr/bin/chromium")


class BrowserError(RuntimeError):
    """Chromium could not be started or did not answer."""


def require_chromium() -> str:
    """Path of chromium; skip the test when absent, except in CI (``CI=true``) where it fails."""
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if path:
        return path
    message = f"chromium not found at {CHROMIUM}; install Debian's chromium package"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (browser tests may not be skipped in CI)")
    pytest.skip(message)
    raise AssertionError  # unreachable


def artifacts_dir() -> Path:
    """Folder for screenshots and other test artefacts (``$GEOLAGE_TEST_ARTIFACTS`` or tests/artifacts)."""
    folder = Path(os.environ.get("GEOLAGE_TEST_ARTIFACTS") or Path(__file__).parent / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --------------------------------------------------------------------------- websocket
class _WebSocket:
    """The smallest websocket client that talks to chromium (text frames, client masking)."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        assert url.startswith("ws://")
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise BrowserError("websocket handshake failed: connection closed")
            head += chunk
        head, _, self._buf = head.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise BrowserError(f"websocket handshake failed: {head[:200]!r}")

    def _read(self, n: int) -> bytes:
        while len(self._buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self._buf)))
            if not chunk:
                raise BrowserError("websocket closed by chromium")
            self._buf += chunk
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def send(self, text: str) -> None:
        payload = text.encode("utf-8")
        header = bytearray([0x81])
        n = len(payload)
        if n < 126:
            header.append(0x80 | n)
        elif n < 65536:
            header.append(0x80 | 126)
            header += n.to_bytes(2, "big")
        else:
            header.append(0x80 | 127)
            header += n.to_bytes(8, "big")
        mask = os.urandom(4)
        header += mask
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes(header) + masked)

    def recv(self) -> str:
        parts: list[bytes] = []
        while True:
            b0, b1 = self._read(2)
            opcode, fin = b0 & 0x0F, b0 & 0x80
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(self._read(2), "big")
            elif n == 127:
                n = int.from_bytes(self._read(8), "big")
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 0x8:
                raise BrowserError("websocket closed by chromium")
            if opcode == 0x9:  # ping -> pong
                self.sock.sendall(bytes([0x8A, 0x80 | len(data)]) + b"\0\0\0\0" + data)
                continue
            if opcode in (0x1, 0x2, 0x0):
                parts.append(data)
                if fin:
                    return b"".join(parts).decode("utf-8")

    def close(self) -> None:
        try:
            self.sock.sendall(bytes([0x88, 0x80]) + b"\0\0\0\0")
        except OSError:
            pass
        self.sock.close()


# --------------------------------------------------------------------------- browser
class Browser:
    """Headless chromium with no network, driven over the DevTools protocol.

    Parameters
    ----------
    width, height : int
        Window size in CSS pixels (the screenshot size).
    offline : bool
        Block the network (dead proxy for every host but loopback, and DevTools offline
        emulation). ``file://`` pages still load.

    Attributes
    ----------
    console_errors : list of dict
        Console messages of level error, log entries of level error and uncaught
        exceptions, as ``{"source", "text", "url"}``.
    console_messages : list of dict
        Every console message and log entry.
    requests : list of str
        URLs of every request the page started (``file:`` and ``data:`` included).
    """

    def __init__(self, width: int = 1280, height: int = 860, offline: bool = True) -> None:
        self.width, self.height, self.offline = width, height, offline
        self.console_errors: list[dict[str, Any]] = []
        self.console_messages: list[dict[str, Any]] = []
        self.requests: list[str] = []
        self._id = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._ws: _WebSocket | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    # -- lifecycle
    def __enter__(self) -> Browser:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start chromium and attach to its first page."""
        exe = require_chromium()
        self._tmp = tempfile.TemporaryDirectory(prefix="geolage-chromium-")
        profile = Path(self._tmp.name)
        args = [
            exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars",
            "--mute-audio", "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
            "--disable-backgrounding-occluded-windows", f"--user-data-dir={profile}", "--remote-debugging-port=0",
            f"--window-size={self.width},{self.height}", "--allow-file-access-from-files",
        ]
        if self.offline:
            args += ["--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]
        args.append("about:blank")
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if self._proc.poll() is not None:
                raise BrowserError(f"chromium exited with code {self._proc.returncode}")
            if time.monotonic() > deadline:
                raise BrowserError("chromium did not open its DevTools port within 30 s")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        url = None
        while url is None:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as resp:
                targets = json.load(resp)
            url = next((t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page"), None)
            if url is None:
                if time.monotonic() > deadline:
                    raise BrowserError("chromium has no page target")
                time.sleep(0.05)
        self._ws = _WebSocket(url)
        for method in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable"):
            self.send(method)
        if self.offline:
            self.send("Network.emulateNetworkConditions", offline=True, latency=0, downloadThroughput=-1,
                      uploadThroughput=-1)
        self.send("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height,
                  deviceScaleFactor=1, mobile=False)

    def close(self) -> None:
        """Stop chromium (this process only) and remove its profile."""
        if self._ws is not None:
            self._ws.close()
            self._ws = None
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
            self._proc = None
        if self._tmp is not None:  # chromium's helper processes may still write into the profile for a moment
            for _ in range(10):
                try:
                    self._tmp.cleanup()
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                shutil.rmtree(self._tmp.name, ignore_errors=True)
            self._tmp = None

    # -- protocol
    def _event(self, msg: dict[str, Any]) -> None:
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests.append(params.get("request", {}).get("url", ""))
        elif method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            text = d.get("exception", {}).get("description") or d.get("text", "")
            self.console_errors.append({"source": "exception", "text": text, "url": d.get("url", "")})
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            entry = {"source": f"console.{params.get('type')}", "text": text, "url": ""}
            self.console_messages.append(entry)
            if params.get("type") in ("error", "assert"):
                self.console_errors.append(entry)
        elif method == "Log.entryAdded":
            e = params.get("entry", {})
            entry = {"source": f"log.{e.get('source')}", "text": e.get("text", ""), "url": e.get("url", "")}
            self.console_messages.append(entry)
            if e.get("level") == "error":
                self.console_errors.append(entry)

    def send(self, method: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        """Call a DevTools method and return its result (events that arrive meanwhile are recorded)."""
        assert self._ws is not None, "start() first"
        self._id += 1
        my_id = self._id
        self._ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            self._ws.sock.settimeout(max(0.1, deadline - time.monotonic()))
            msg = json.loads(self._ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._event(msg)

    def _wait_event(self, name: str, timeout: float) -> dict[str, Any]:
        assert self._ws is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._ws.sock.settimeout(max(0.1, deadline - time.monotonic()))
            msg = json.loads(self._ws.recv())
            self._event(msg)
            if msg.get("method") == name:
                return msg.get("params", {})
        raise BrowserError(f"no {name} within {timeout} s")

    # -- high level
    def clear(self) -> None:
        """Forget recorded errors, messages and requests."""
        self.console_errors.clear()
        self.console_messages.clear()
        self.requests.clear()

    def open(self, path_or_url: str | Path, timeout: float = 30.0) -> None:
        """Load a page (a local file or a URL) and wait for its load event."""
        url = Path(path_or_url).resolve().as_uri() if isinstance(path_or_url, Path) else str(path_or_url)
        result = self.send("Page.navigate", url=url)
        if result.get("errorText"):
            raise BrowserError(f"cannot open {url}: {result['errorText']}")
        self._wait_event("Page.loadEventFired", timeout)

    def evaluate(self, expression: str, await_promise: bool = False) -> Any:
        """Evaluate JavaScript in the page and return its (JSON) value; a thrown error raises."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=await_promise)
        if "exceptionDetails" in result:
            d = result["exceptionDetails"]
            raise BrowserError(f"JavaScript error: {d.get('exception', {}).get('description') or d.get('text')}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 15.0) -> Any:
        """Evaluate ``expression`` until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for: {expression}")
            time.sleep(0.1)

    def pause(self, seconds: float) -> None:
        """Let the page run for ``seconds`` while events are still recorded."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.evaluate("1")
            time.sleep(0.05)

    def mouse_move(self, x: float, y: float) -> None:
        """Move the mouse to viewport position (``x``, ``y``) in CSS pixels (hover, tooltips)."""
        self.send("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)

    def screenshot(self, path: str | Path, *, settle: float = 5.0) -> Path:
        """Save a PNG screenshot of the viewport once the page has finished painting.

        Headless chromium rasterises in software and can hand out a half-painted frame;
        frames are captured until two in a row are identical (at most ``settle`` seconds).
        """
        deadline = time.monotonic() + settle
        previous = None
        while True:
            data = self.send("Page.captureScreenshot", format="png")["data"]
            if data == previous or time.monotonic() > deadline:
                break
            previous = data
            time.sleep(0.2)
        path = Path(path)
        path.write_bytes(base64.b64decode(data))
        return path
