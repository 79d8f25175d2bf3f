"""Checks every browser journey runs on every page it visits: axe-core finds no serious or critical
accessibility violation, the page never scrolls sideways, and no raw code (an audit action like
`order.deduct`, an English state id like `submitted`) is shown to the person reading it."""
import re
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe" / "axe.min.js"
BLOCKING = ("serious", "critical")

# Text a person reads on the page: the visible body text (scripts, styles and hidden elements excluded).
_VISIBLE_TEXT = "() => document.body.innerText"
RAW_ACTION = re.compile(r"(?<![\w./@-])[a-z_]+\.[a-z_]+(?![\w./@-])")
# File names and domains the pages rightly show (an uploaded contract.pdf, an e-mail address).
_NOT_CODES = re.compile(r"\.(pdf|jpg|jpeg|png|xlsx|csv|zip|gov|cn|com|org|net|ofd|doc|docx|js|css)$")


def axe_violations(page) -> list[dict]:
    """The serious and critical violations axe-core finds on the page as it stands."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the portal's Content-Security-Policy allows no inline script.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
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
