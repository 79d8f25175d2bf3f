"""Checks every browser journey runs on every page it visits: axe-core finds no serious or critical
accessibility violation, the page never scrolls sideways, and no raw code (an audit action like
`order.deduct`, an English state id like `submitted`) is shown to the person reading it."""
import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag, urlsplit

from playwright.sync_api import Error as PlaywrightError

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
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
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
    url = page.url
    width = page.evaluate("innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{url} scrolls sideways"
    violations = axe_violations(page)
    assert not violations, f"axe on {url}: {violations}"
    watch = getattr(page, "page_watch", None)
    if watch is not None:  # this page's key at this width needs no second axe run at the test's end
        watch.axed_here(url, width)
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


# Run in every document of the watched context's pages before their own scripts. A main-frame HTML document sends
# what it shows (visible text, markup, address, viewport) as soon as it is parsed, again once it has loaded and
# again as it is left (`beforeunload` while it is still whole, `pagehide` for a leave that skips it), so a page the test
# leaves at once by a link or a form, even before it finished loading, is read as it was last seen, without
# Python reaching into it. The first copy is sent before `load`, so it reaches Python before a `goto` or a wait
# for the load returns: a test that navigates on at once cannot outrun it (a copy sent while a document is torn
# down can be lost).
_SNAPSHOT_SCRIPT = """(() => {
  if (window !== window.top || !/^https?:$/.test(location.protocol)) return;  // not a new page's about:blank
  const documentId = Date.now().toString(36) + Math.random().toString(36).slice(2);
  const send = (moment) => {
    if (document.contentType !== 'text/html' || !document.documentElement || !window.%(binding)s) return;
    window.%(binding)s({
      documentId, moment, url: location.href, width: innerWidth, height: innerHeight,
      text: document.body ? document.body.innerText : '', html: document.documentElement.outerHTML,
    }).catch(() => {});
  };
  document.addEventListener('DOMContentLoaded', () => send('parsed'));
  addEventListener('load', () => setTimeout(() => send('loaded'), 0));
  addEventListener('beforeunload', () => send('left'));
  addEventListener('pagehide', () => send('left'));
})();"""


@dataclass
class _Document:
    url: str
    width: int
    height: int
    html: str  # the markup as last sent, replayed for axe-core

    @property
    def key(self) -> str:
        return axe_key(self.url)


def axe_key(url: str) -> str:
    """What axe-core runs once per (at each viewport width): the path and the names of its query's parameters,
    not their values — a list filtered by `?state=` renders other markup than the bare list, while `?page=2` and
    `?page=3` render the same markup with other rows."""
    parts = urlsplit(url)
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return parts.path + ("?" + "&".join(names) if names else "")


def _shows_html(response) -> bool:
    """A navigation's response is a document the frame shows: HTML, not a redirect, empty answer or download."""
    headers = response.headers
    return not (300 <= response.status < 400 or response.status == 204
                or not headers.get("content-type", "").startswith("text/html")
                or headers.get("content-disposition", "").startswith("attachment"))


@dataclass
class _Navigation:
    """One watched page's main frame: the HTML documents it received and the one it committed to."""
    arriving: list[str] = field(default_factory=list)  # received, not shown yet
    committed: str | None = None  # committed to, not parsed yet


class PageWatch:
    """Runs the raw-code scan and axe-core on every main-frame document the pages of a browser test's context show,
    not only where the test asks: the claim form passed through, an upload step, a confirmation page left at once
    by a click, a page the test opens beside the first one and a popup (window.open, a link to a new tab) are
    checked as well.

    Each document sends its visible text and markup to Python when it has loaded and when it is left
    (`_SNAPSHOT_SCRIPT`, an init script and binding of the whole context); the raw-code scan reads every one of
    these. axe-core runs at the test's end, once per `axe_key` (path and query parameter names) and viewport
    width: not on the live page (which may be gone), but on a second page of the same context at the same
    viewport, where the document's address is answered with the markup as it was seen (scripts off: the markup
    is already what they made of it) and the stylesheets and images load from the server. A document a page
    showed (an HTML response the main frame committed to and parsed) that never reached Python fails the test as
    unchecked; findings fail it with their URL."""

    BINDING = "__hangqifuPageSeen"
    ARRIVAL_SECONDS = 10.0  # how long the end of a test waits for the last documents' snapshots

    def __init__(self, page, log=None):
        self.page = page
        self.log = log
        self.documents: dict[str, _Document] = {}
        self.loaded: list[str] = []  # address of each HTML document a watched page's main frame showed
        self.axed: set[tuple[str, int]] = set()  # (axe_key, width)
        self.failures: list[str] = []
        self._reported: set[tuple[str, tuple]] = set()
        self._states = None
        self._pages: dict = {}  # each watched page → its _Navigation
        self._replays: set = set()  # the watch's own pages, where axe runs on replayed markup
        self._replaying = False  # the context announces the replay page before new_page() returns it
        self._opening: list[str] = []  # first documents of popups whose pages are not announced yet
        context = page.context
        context.expose_binding(self.BINDING, self._on_snapshot)
        context.add_init_script(_SNAPSHOT_SCRIPT % {"binding": self.BINDING})
        context.on("response", self._on_popup_response)
        context.on("page", self._watch)
        self._watch(page)

    def _watch(self, page) -> None:
        if self._replaying or page in self._replays or page in self._pages:
            return
        self._pages[page] = navigation = _Navigation()
        url = urldefrag(page.url).url
        if url in self._opening:  # a popup is announced once its main frame committed to its first document
            self._opening.remove(url)
            navigation.committed = url
        page.page_watch = self  # a test's own check_page on this page counts for its key and width
        page.on("response", lambda response: self._on_response(navigation, response))
        page.on("framenavigated", lambda frame: self._on_navigated(navigation, frame))
        page.on("domcontentloaded", lambda shown: self._on_parsed(navigation, shown))

    @staticmethod
    def _on_response(navigation: _Navigation, response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame.parent_frame is None and _shows_html(response):
            navigation.arriving.append(urldefrag(response.url).url)

    def _on_popup_response(self, response) -> None:
        # a popup's first document arrives before the popup's page is announced, its request without a frame yet
        request = response.request
        if not request.is_navigation_request():
            return
        try:
            request.frame
        except PlaywrightError:
            if _shows_html(response):
                self._opening.append(urldefrag(response.url).url)

    @staticmethod
    def _on_navigated(navigation: _Navigation, frame) -> None:
        # a document the main frame received is shown once the frame commits to it and it has been parsed; one
        # superseded by the next navigation before that (a test that leaves at once, or goes on while a redirect
        # is still arriving) never showed its page
        url = urldefrag(frame.url).url
        if frame.parent_frame is None:
            navigation.committed = url if url in navigation.arriving else None
            navigation.arriving.clear()

    def _on_parsed(self, navigation: _Navigation, page) -> None:
        if navigation.committed is not None and urldefrag(page.url).url == navigation.committed:
            self.loaded.append(navigation.committed)
            navigation.committed = None

    def _on_snapshot(self, source, snapshot: dict) -> None:
        if source.get("page") in self._replays:
            return
        try:
            url = urldefrag(snapshot["url"]).url
            if snapshot["documentId"] not in self.documents and self.log is not None:
                self.log("scan", snapshot["width"], urlsplit(url).path)
            seen = self.documents.get(snapshot["documentId"])
            self.documents[snapshot["documentId"]] = _Document(  # at the size first seen, as last seen
                url=url, width=seen.width if seen else snapshot["width"],
                height=seen.height if seen else snapshot["height"], html=snapshot["html"])
            if self._states is None:
                self._states = state_ids()
            codes = raw_codes(snapshot["text"], self._states)
            if codes and (url, tuple(codes)) not in self._reported:
                self._reported.add((url, tuple(codes)))
                self.failures.append(f"raw codes shown on {url} ({snapshot['moment']}): {codes}")
        except Exception as error:  # noqa: BLE001 — reported with the test
            self.failures.append(f"the page check failed on {snapshot.get('url')}: {error!r}")

    def axed_here(self, url: str, width: int) -> None:
        """axe has run on this address's key at this width in this test (a test's own check on a live page, or a
        replay)."""
        key = axe_key(url)
        self.axed.add((key, width))
        if self.log is not None:
            self.log("axe", width, key)

    def finish(self) -> list[str]:
        """Axe every (key, width) not axed yet, then the findings of the whole test, the documents that were
        never checked among them."""
        self._await_snapshots()
        replay = None
        for document in list(self.documents.values()):
            if (document.key, document.width) in self.axed:
                continue
            replay = replay or self._replay_page()
            for violation in self._axe_replayed(replay, document):
                self.failures.append(f"axe on {document.url}: {violation['id']} ({violation['impact']}) "
                                     f"{violation['help']}: {violation['nodes']}")
            self.axed_here(document.url, document.width)
        if replay is not None:
            replay.close()
        for url, count in self._unchecked().items():
            self.failures.append(f"not checked: {url} ({count} document(s) loaded, no snapshot reached the check)")
        if self.log is not None:
            self.log("unchecked", sum(self._unchecked().values()), "")
        return self.failures

    def _unchecked(self) -> Counter:
        captured = Counter(document.url for document in self.documents.values())
        return Counter(self.loaded) - captured

    def _open_page(self):
        return next((page for page in self._pages if not page.is_closed()), None)

    def _await_snapshots(self) -> None:
        """Let the snapshots already on their way reach Python (the last document may still be loading)."""
        waited = 0.0
        while self._unchecked() and (page := self._open_page()) is not None and waited < self.ARRIVAL_SECONDS:
            page.wait_for_timeout(50)
            waited += 0.05
        if (page := self._open_page()) is not None:
            page.wait_for_timeout(0)  # a round trip: events sent before it are delivered

    def _replay_page(self):
        self._replaying = True
        try:
            replay = self.page.context.new_page()
        finally:
            self._replaying = False
        self._replays.add(replay)
        replay.add_init_script(path=AXE)
        return replay

    @staticmethod
    def _axe_replayed(replay, document: _Document) -> list[dict]:
        replay.set_viewport_size({"width": document.width, "height": document.height})
        address = re.compile(f"^{re.escape(document.url)}$")

        def answer(route):
            route.fulfill(status=200, body="<!DOCTYPE html>\n" + document.html,
                          headers={"content-type": "text/html; charset=utf-8",
                                   "content-security-policy": "script-src 'none'"})

        replay.route(address, answer)
        try:
            replay.goto(document.url, wait_until="load")
            return axe_violations(replay)
        finally:
            replay.unroute(address, answer)
