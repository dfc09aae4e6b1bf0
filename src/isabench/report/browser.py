"""Open a report in headless Chromium and check it the way a reader's browser would load it:
every image decoded, no console errors or exceptions, no request leaving the file; then save a
screenshot of the whole page for a person to look at.

Talks to Chromium over the DevTools protocol (a websocket), so nothing but the Debian
`chromium` package and `websocket-client` is needed.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


class BrowserError(RuntimeError):
    """No browser, or the browser could not be driven."""


@dataclass
class PageCheck:
    url: str
    images: int = 0
    images_decoded: int = 0
    console_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    screenshot: Path | None = None

    @property
    def ok(self) -> bool:
        return self.images == self.images_decoded and not self.console_errors and not self.external_requests

    def describe(self) -> str:
        state = "ok" if self.ok else "FAILED"
        text = f"{state}: {self.images_decoded}/{self.images} images decoded"
        text += (
            f", {len(self.console_errors)} console errors, {len(self.external_requests)} external requests"
        )
        if self.console_errors:
            text += "; first error: " + self.console_errors[0]
        if self.external_requests:
            text += "; first request: " + self.external_requests[0]
        return text


def find_browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


class _Session:
    """One websocket to one page target, with the events seen so far."""

    def __init__(self, url: str, timeout: float):
        import websocket  # websocket-client

        self.ws = websocket.create_connection(url, timeout=timeout, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, timeout: float) -> None:
        end = time.monotonic() + timeout
        if any(e.get("method") == method for e in self.events):
            return
        while time.monotonic() < end:
            message = json.loads(self.ws.recv())
            self.events.append(message)
            if message.get("method") == method:
                return
        raise BrowserError(f"timed out waiting for {method}")


def check_page(
    path: str | Path, screenshot: str | Path | None = None, timeout: float = 60.0, width: int = 1280
) -> PageCheck:
    """Load `path` in headless Chromium and check it; write a full-page PNG to `screenshot`."""
    browser = find_browser()
    if browser is None:
        raise BrowserError("no Chromium found (Debian: apt-get install chromium)")
    page = Path(path).resolve()
    if not page.is_file():
        raise BrowserError(f"{path}: no such file")
    check = PageCheck(url=page.as_uri())
    with tempfile.TemporaryDirectory(prefix="isabench-chromium-") as profile:
        process = subprocess.Popen(
            [
                browser,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                f"--window-size={width},900",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            session = _Session(_page_target(Path(profile), process, timeout), timeout)
            for domain in ("Page", "Runtime", "Log", "Network"):
                session.call(f"{domain}.enable")
            session.call("Page.navigate", url=check.url)
            session.wait_for("Page.loadEventFired", timeout)
            decoded = session.call(
                "Runtime.evaluate",
                awaitPromise=True,
                returnByValue=True,
                expression="Promise.all(Array.from(document.images).map(i => i.decode().then("
                "() => i.naturalWidth > 0, () => false)))",
            )
            flags = decoded.get("result", {}).get("value") or []
            check.images, check.images_decoded = len(flags), sum(bool(f) for f in flags)
            if screenshot is not None:
                size = session.call("Page.getLayoutMetrics")["cssContentSize"]
                shot = session.call(
                    "Page.captureScreenshot",
                    format="png",
                    captureBeyondViewport=True,
                    clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
                )
                check.screenshot = Path(screenshot)
                check.screenshot.parent.mkdir(parents=True, exist_ok=True)
                check.screenshot.write_bytes(base64.b64decode(shot["data"]))
            session.call("Runtime.evaluate", expression="0")  # drain events queued so far
            _collect(session.events, check)
            try:
                session.call("Browser.close")
            except Exception:  # the browser may close the socket before answering
                pass
        finally:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return check


def _page_target(profile: Path, process: subprocess.Popen, timeout: float) -> str:
    """The websocket URL of the browser's page, once its DevTools port is written."""
    port_file = profile / "DevToolsActivePort"
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            raise BrowserError(f"Chromium exited with status {process.returncode} before it could be driven")
        if port_file.exists() and port_file.read_text().strip():
            port = port_file.read_text().split()[0]
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=timeout) as answer:
                targets = json.loads(answer.read())
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.1)
    raise BrowserError("timed out waiting for Chromium's DevTools port")


def _collect(events: list[dict], check: PageCheck) -> None:
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            check.console_errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            check.console_errors.append(
                f"exception: {details.get('text')} {details.get('exception', {}).get('description', '')}"
            )
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            check.console_errors.append(
                f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip()
            )
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if not url.startswith(("data:", "file:", "about:")) and url != check.url:
                check.external_requests.append(url)
