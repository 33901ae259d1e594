"""Fixtures for the browser tests: one wirelog server for the run, a fresh
headless Chromium page per test (Debian's `chromium`, never a downloaded
browser), and screenshots when WIRELOG_SCREENSHOT_DIR is set."""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server():
    """`wirelog serve` on a free port, with small limits so a runaway ends fast."""
    binary = os.environ.get("WIRELOG_BIN", "target/debug/wirelog")
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--port", str(port), "--max-seconds", "3",
         "--max-tuples", "100000000", "--max-rounds", "100000000"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if not match:
        process.kill()
        raise RuntimeError(f"wirelog serve did not start: {line}")
    yield match.group(0)
    process.send_signal(subprocess.signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def browser():
    executable = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
    profile = tempfile.mkdtemp(prefix="wirelog-chromium-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, args=CHROMIUM_ARGS,
            headless=True, viewport={"width": 1500, "height": 900},
        )
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser, server):
    """A new tab on the page; each tab is its own wirelog session."""
    tab = browser.new_page()
    tab.goto(server)
    tab.wait_for_selector("#article-list li")
    yield tab
    tab.close()


@pytest.fixture
def screenshot():
    directory = os.environ.get("WIRELOG_SCREENSHOT_DIR")

    def take(page, name):
        if directory:
            os.makedirs(directory, exist_ok=True)
            time.sleep(0.3)  # let the graph's layout and the scrolling settle
            page.screenshot(path=os.path.join(directory, f"web-{name}.png"))

    return take
