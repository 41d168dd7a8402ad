"""A small driver for Debian's headless Chromium over the Chrome DevTools Protocol.

Tests open kg's HTML views in a real browser with it: :meth:`Chromium.open` loads a page and
records every uncaught JavaScript exception, console error, log error and every request that
leaves the machine (a view must work offline), then :meth:`Chromium.evaluate` reads the vis.js
network and :meth:`Chromium.screenshot` saves a PNG for a person to look at.

Chromium is started with its own fresh profile and a DevTools port chosen by Chromium itself
(``--remote-debugging-port=0``, read back from ``DevToolsActivePort``), listening on 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import websocket  # the websocket-client package

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # we run as root in CI; Chromium refuses to start sandboxed as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]


def find_chromium() -> str | None:
    """Path of a Chromium binary (``KG_CHROMIUM`` overrides), or None."""
    for candidate in (os.environ.get("KG_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


class BrowserError(RuntimeError):
    pass


class Chromium:
    """One headless Chromium with one page, driven over CDP. Use as a context manager."""

    def __init__(self, binary: str | None = None, width: int = 1400, height: int = 900) -> None:
        self.binary = binary or find_chromium()
        if not self.binary:
            raise BrowserError("no chromium binary found (apt-get install chromium)")
        self.width, self.height = width, height
        self.profile = Path(tempfile.mkdtemp(prefix="kg-chromium-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.ws: websocket.WebSocket | None = None
        self._next_id = 0
        self.errors: list[str] = []
        self.external_requests: list[str] = []

    # -- life cycle -----------------------------------------------------------------------
    def __enter__(self) -> Chromium:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self, timeout: float = 30.0) -> None:
        args = [self.binary, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}",
                f"--window-size={self.width},{self.height}", "about:blank"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not port_file.exists() or not port_file.read_text().strip():
            if self.process.poll() is not None:
                raise BrowserError(f"chromium exited with code {self.process.returncode}")
            if time.monotonic() > deadline:
                raise BrowserError("chromium did not open its DevTools port in time")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            targets = json.load(response)
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=timeout, suppress_origin=True
        )
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  width=self.width, height=self.height, deviceScaleFactor=1, mobile=False)

    def close(self) -> None:
        if self.ws is not None:
            try:
                self.send("Browser.close")
            except Exception:  # noqa: BLE001 - the browser may already be gone
                pass
            self.ws.close()
            self.ws = None
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        shutil.rmtree(self.profile, ignore_errors=True)

    # -- protocol -------------------------------------------------------------------------
    def _record(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        params = message.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            self.errors.append(f"exception: {text}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.errors.append("log: " + params["entry"].get("text", ""))
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if not url.startswith(("file:", "data:", "about:", "blob:")):
                self.external_requests.append(url)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one CDP command and return its result (events met meanwhile are recorded)."""
        assert self.ws is not None
        self._next_id += 1
        wanted = self._next_id
        self.ws.send(json.dumps({"id": wanted, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == wanted:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._record(message)

    def evaluate(self, expression: str) -> Any:
        """Value of a JavaScript expression in the page (JSON-serialisable results only)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} threw: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    # -- pages ----------------------------------------------------------------------------
    def open(self, path: Path | str, ready: str = "window.kgView && window.kgView.ready", timeout: float = 60.0) -> float:
        """Load a local file and wait until ``ready`` is true; returns seconds from navigation."""
        url = Path(path).resolve().as_uri()
        start = time.monotonic()
        self.send("Page.navigate", url=url)
        deadline = start + timeout
        while not self.evaluate(f"Boolean({ready})"):
            if time.monotonic() > deadline:
                raise BrowserError(f"{url} was not ready after {timeout:.0f} s; errors: {self.errors}")
            time.sleep(0.02)
        return time.monotonic() - start

    def screenshot(self, path: Path | str) -> Path:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


# -- reading a drawn vis-network view -----------------------------------------------------------

#: every label vis-network drew at the current zoom: its text, its box in canvas coordinates
#: (``labelModule.size``, set when the label is drawn) and its font size on screen in pixels
_LABEL_BOXES = """(function () {
  var out = [], scale = network.getScale();
  nodes.getIds().forEach(function (id) {
    var node = network.body.nodes[id];
    if (!node || node.options.hidden) { return; }
    var label = node.labelModule;
    if (!String(node.options.label || "").trim() || !label.visible()) { return; }
    var s = label.size;
    out.push({id: String(id), label: String(node.options.label), left: s.left, top: s.top,
              width: s.width, height: s.height, px: label.fontOptions.size * scale});
  });
  return out;
})()"""


def label_boxes(browser: Chromium) -> list[dict[str, Any]]:
    """The label boxes of the open view as drawn (call after :meth:`Chromium.open`)."""
    return browser.evaluate(_LABEL_BOXES)


def overlapping_pairs(boxes: list[dict[str, Any]], tolerance: float = 0.5) -> list[tuple[str, str]]:
    """Labels whose drawn boxes overlap by more than ``tolerance`` canvas units both ways."""
    ordered = sorted(boxes, key=lambda b: b["left"])
    pairs = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b["left"] >= a["left"] + a["width"] - tolerance:
                break
            dy = min(a["top"] + a["height"], b["top"] + b["height"]) - max(a["top"], b["top"])
            if dy > tolerance:
                pairs.append((a["label"], b["label"]))
    return pairs
