"""The interactive HTML page: its size, the time to write it and to use it in headless Chromium.

Run: ``python bench/bench_html.py [widths ...]`` (default 1,1,1,1 2,3,2 4,8,8,2 16,32,32,8).
Prints, per network, the page's size, the time to derive and to write it (Python), and in
Chromium (Debian's, driven by Playwright): the time from navigation until the page's script is
ready (formulas typeset, or set to typeset as they scroll into view on large pages), and the
median time to pick a parameter: from Playwright's click until its chain is typeset, and the
page's own time for the same selection (highlight, typeset, layout; measured in the page).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from symchain import Network, derive
from symchain.render import render_html
from symchain.render.latex import latex_printer

DEFAULT = ["1,1,1,1", "2,3,2", "4,8,8,2", "16,32,32,8"]
PICKS = 5
# The page's own time to select a parameter (highlight, typeset, layout), in ms.
_SELECT = """(key) => {
  const root = document.querySelector(".symchain-view");
  const start = performance.now();
  root.symchain.select(key, true);
  void document.body.offsetHeight;
  return performance.now() - start;
}"""


def measure(widths: tuple[int, ...], browser: object, folder: Path) -> str:
    network = Network.from_widths(widths, ("sigmoid",), "squared_error")
    start = time.perf_counter()
    derivation = derive(network)
    derived = time.perf_counter()
    page_text = render_html(derivation)
    written = time.perf_counter()
    path = folder / ("page-" + "-".join(map(str, widths)) + ".html")
    path.write_text(page_text, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    begin = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_selector(".symchain-view[data-ready]", timeout=300_000)
    ready = time.perf_counter() - begin
    printer = latex_printer(derivation)
    step = max(1, len(network.parameters) // PICKS)
    picks: list[float] = []
    selects: list[float] = []
    for parameter in network.parameters[::step][:PICKS]:
        name = printer.doprint(parameter)
        button = page.locator(f'[data-param="{name}"]')
        begin = time.perf_counter()
        button.evaluate("b => { b.closest('details').open = true; }")  # open its layer's group
        button.click()
        page.wait_for_selector(".entry.selected .math[data-typeset]")
        picks.append(time.perf_counter() - begin)
        selects.append(page.evaluate(_SELECT, parameter.name) / 1000)
    page.close()
    size = len(page_text.encode("utf-8"))
    return (
        f"| {'-'.join(map(str, widths))} | {len(network.parameters)} | {size / 1e6:.2f} MB "
        f"| {derived - start:.2f} | {written - derived:.2f} | {ready:.2f} "
        f"| {statistics.median(picks) * 1000:.0f} | {statistics.median(selects) * 1000:.0f} |"
    )


def main(arguments: list[str]) -> None:
    networks = [tuple(int(w) for w in text.split(",")) for text in arguments or DEFAULT]
    print(
        "| network | parameters | page | derive (s) | write (s) | ready in Chromium (s) "
        "| click to chain (ms) | select in page (ms) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as folder:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        for widths in networks:
            print(measure(widths, browser, Path(folder)), flush=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
