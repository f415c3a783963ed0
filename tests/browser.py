"""Pages in headless Chromium (Playwright): a page opened from a file, with its requests and log.

The ``browser`` fixture (one Chromium per test module) is in ``conftest.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from symchain.render.graph import Graph


class Loaded:
    """A page opened from a file, with every request and console message it made."""

    def __init__(self, browser: Browser, path: Path, fragment: str = "") -> None:
        self.page: Page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.url = path.as_uri()
        self.requests: list[str] = []
        self.messages: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda m: self.messages.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda error: self.messages.append(f"error: {error}"))
        self.page.goto(self.url + fragment)
        self.page.wait_for_selector(".symchain-view[data-ready]")

    def highlighted(self, selector: str) -> set[tuple[str, str]]:
        return {
            (e.get_attribute("data-source") or "", e.get_attribute("data-target") or "")
            for e in self.page.locator(selector).all()
        }

    def outside_requests(self) -> list[str]:
        return [u for u in self.requests if u != self.url and not u.startswith("data:")]


def between(graph: Graph, source: str, target: str) -> set[tuple[str, str]]:
    """Edges on every path from node ``source`` to node ``target``."""

    def reach(start: str, forward: bool) -> set[str]:
        seen, pending = {start}, [start]
        while pending:
            node = pending.pop()
            for edge in graph.edges:
                here, there = (edge.source, edge.target) if forward else (edge.target, edge.source)
                if here == node and there not in seen:
                    seen.add(there)
                    pending.append(there)
        return seen

    after, before = reach(source, True), reach(target, False)
    return {(e.source, e.target) for e in graph.edges if e.source in after and e.target in before}
