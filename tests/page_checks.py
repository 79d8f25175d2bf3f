"""Checks every browser journey runs on every page it visits: axe-core finds no serious or critical
accessibility violation, the page never scrolls sideways, and no raw code (an audit action like
`order.deduct`, an English state id like `submitted`) is shown to the person reading it."""
import functools
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Error

AXE = Path(__file__).parent / "vendor" / "axe" / "axe.min.js"
BLOCKING = ("serious", "critical")

# Text a person reads on the page: the visible body text (scripts, styles and hidden elements excluded).
_VISIBLE_TEXT = "() => document.body.innerText"
RAW_ACTION = re.compile(r"(?<![\w./@-])[a-z_]+\.[a-z_]+(?![\w./@-])")
# File names and domains the pages rightly show (an uploaded contract.pdf, an e-mail address).
_NOT_CODES = re.compile(r"\.(pdf|jpg|jpeg|png|xlsx|csv|zip|gov|cn|com|org|net|ofd|doc|docx|js|css)$")


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8") + "\n;undefined"


def axe_violations(page) -> list[dict]:
    """The serious and critical violations axe-core finds on the page as it stands."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the portal's Content-Security-Policy allows no inline script.
        page.evaluate(_axe_source())
    # One axe run at a time in the document: the automatic check of a load event can start while a test's own
    # check of the same document runs (Playwright delivers the event during the test's evaluate).
    result = page.evaluate("""async () => {
        while (window.__axeRun) { try { await window.__axeRun; } catch (e) {} }
        window.__axeRun = axe.run(document, {resultTypes: ['violations']});
        try { return await window.__axeRun; } finally { window.__axeRun = null; }
    }""")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"][:5]]}
            for v in result["violations"] if v["impact"] in BLOCKING]


def state_ids() -> set[str]:
    """Every workflow state id of the portal's models (the English ids a page must never show)."""
    from hangqifu.audit.labels import all_state_ids

    return all_state_ids()


def raw_codes(text: str, states: set[str]) -> list[str]:
    """The action codes (file names aside) and state ids standing as words in `text`."""
    found = [m for m in RAW_ACTION.findall(text) if not _NOT_CODES.search(m)]
    words = set(re.findall(r"(?<![\w.-])[a-z][a-z_]+(?![\w.-])", text))
    return found + sorted(words & states)


def check_page(page, *, states: set[str] | None = None) -> None:
    """All of the above for the current page; fails naming the page and what was found."""
    watch = getattr(page, "page_watch", None)
    if watch is not None:
        watch.wait()  # one axe run at a time on a page
    url = page.url
    width = page.evaluate("innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{url} scrolls sideways"
    violations = axe_violations(page)
    assert not violations, f"axe on {url}: {violations}"
    codes = raw_codes(page.evaluate(_VISIBLE_TEXT), states if states is not None else state_ids())
    assert not codes, f"raw codes shown on {url}: {codes}"


def assert_primary_action(page, locator) -> None:
    """The page passes check_page, and its primary action lies within the viewport's width once scrolled to
    (no sideways scrolling needed to reach it)."""
    check_page(page)
    width = page.evaluate("innerWidth")
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None, f"the primary action is not rendered on {page.url}"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"the action lies outside the viewport: {box}"
    assert locator.is_visible()



class PageWatch:
    """Runs the raw-code scan and axe-core on every document a browser test's page loads, not only where the
    test asks: the claim form passed through, an upload step, a confirmation page are checked as well.

    The check starts when a document has loaded and runs beside the test. A navigation Playwright starts
    (goto, reload, back, forward) and the test's end wait until it is done; a document the page itself leaves
    while it is read (a link or a form the test follows at once) is counted as `gone`, not checked. axe runs
    once per URL path in a test (the costly part); the raw-code scan on every document. Findings are
    collected and fail the test at teardown, each with its URL."""

    def __init__(self, page, log=None):
        self.page = page
        self.log = log
        self.busy = False
        self.gone = 0
        self.axed: set[str] = set()
        self.failures: list[str] = []
        self._states = None
        page.on("load", self._on_load)
        for name in ("goto", "reload", "go_back", "go_forward"):
            setattr(page, name, self._after_check(getattr(page, name)))

    def _after_check(self, navigate):
        def navigate_after_check(*args, **kwargs):
            self.wait()
            return navigate(*args, **kwargs)

        return navigate_after_check

    def _on_load(self, _page) -> None:
        self.busy = True
        try:
            self.check()
        except Exception as error:  # noqa: BLE001 — reported with the test
            self.failures.append(f"the page check failed on {self.page.url}: {error!r}")
        finally:
            self.busy = False

    def check(self) -> None:
        """Scan the document the page shows; axe as well if its path was not axed in this test yet."""
        url = self.page.url
        if not url.startswith("http"):
            return
        path = urlsplit(url).path
        try:
            if self.page.evaluate("document.contentType") != "text/html":
                return
            if self._states is None:
                self._states = state_ids()
            codes = raw_codes(self.page.evaluate(_VISIBLE_TEXT), self._states)
            violations = [] if path in self.axed else axe_violations(self.page)
        except Error as error:
            # the document went away while it was read: the test followed a link or sent a form at once, or
            # the page closed at the test's end
            if any(word in str(error) for word in ("closed", "destroyed", "navigat")):
                self.gone += 1
                return
            raise
        self.axed.add(path)
        if self.log is not None:
            self.log(self.page.viewport_size, path)
        if codes:
            self.failures.append(f"raw codes shown on {url}: {codes}")
        for violation in violations:
            self.failures.append(f"axe on {url}: {violation['id']} ({violation['impact']}) {violation['help']}: "
                                 f"{violation['nodes']}")

    def wait(self, timeout: float = 120.0) -> None:
        """Wait (letting Playwright's events run) until the current document's check is done."""
        deadline = time.monotonic() + timeout
        while self.busy and not self.page.is_closed():
            if time.monotonic() > deadline:
                raise AssertionError(f"the page check of {self.page.url} did not finish in {timeout:.0f} s")
            self.page.wait_for_timeout(50)

    def finish(self) -> list[str]:
        """The findings of the whole test, once the last document's check is done."""
        self.wait()
        return self.failures
