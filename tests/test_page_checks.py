"""The page watch of the browser tests (tests/page_checks.py) catches what a person saw on a page the test left
at once: a raw code or a serious accessibility violation on a page left by a link or a form before it had even
finished loading fails the check, with the page's address; clean pages pass; a document that never reached the
check is reported as unchecked.

The pages are served to the browser by the test itself (routes on the portal's address), so each holds
exactly the fault under test; the portal's stylesheet comes from the live server as on any page."""
import re
from urllib.parse import urlsplit

import pytest

from .page_checks import PageWatch

pytestmark = pytest.mark.browser

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 768}
CLEAN = '<p>订单已办结，服务券已抵扣。</p><a href="/probe/next/">下一步</a>'


def _document(body: str) -> str:
    return ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>测试页</title>'
            '<link rel="stylesheet" href="/static/css/app.css"></head>'
            f'<body><main><h1>测试页</h1>{body}</main></body></html>')


@pytest.fixture
def probe(context, live_server):
    """probe(pages) → (page, its watch): a fresh watched page in whose context /probe/<name>/ answers pages[name]
    (/probe/<name>/?<query> answers pages["<name>?<query>"] when there is one); an image at /probe/never.png never
    arrives, so a page showing it never fires `load` (left while loading); nor does a script at /probe/never.js, so
    a page loading it is never even parsed."""

    def _probe(pages: dict[str, str], watch_class=PageWatch):
        page = context.new_page()
        watch = watch_class(page)

        def answer(route):
            address = urlsplit(route.request.url)
            name = address.path.removeprefix("/probe/").strip("/")
            body = pages.get(f"{name}?{address.query}", pages[name])
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=_document(body))

        def hold(route):
            pass  # the page that shows it stays loading (a script: stays unparsed)

        # the pages for every page of the context (a popup's too); the held files for the probe's page only, so
        # the watch's replay of a page that showed one loads without it
        context.route(re.compile(rf"^{re.escape(live_server.url)}/probe/(?!never\.)"), answer)
        page.route(re.compile(rf"^{re.escape(live_server.url)}/probe/never\."), hold)
        return page, watch

    return _probe


def _leave_at_once(page, live_server, body: str, *, by: str = "a") -> str:
    """Open a page with `body` that never finishes loading and leave it at once by clicking `by`."""
    first = f"{live_server.url}/probe/first/"
    page.goto(first, wait_until="domcontentloaded")
    page.click(by)
    page.wait_for_url(re.compile(r"/probe/next/"), wait_until="domcontentloaded")
    page.get_by_text("订单已办结").wait_for()
    return first


def test_a_raw_code_on_a_page_left_before_it_loaded_fails_with_its_address(probe, live_server):
    # given: the code appears after the page was parsed, so only the copy sent as it is left holds it
    body = ('<img src="/probe/never.png" alt="票据"><a href="/probe/next/">下一步</a><script>document.addEventListener('
            '"DOMContentLoaded", () => setTimeout(() => document.querySelector("main").insertAdjacentHTML('
            '"beforeend", "<p>办理记录：order.deduct</p>")))</script>')
    page, watch = probe({"first": body, "next": CLEAN})
    # when
    first = f"{live_server.url}/probe/first/"
    page.goto(first, wait_until="domcontentloaded")
    page.get_by_text("order.deduct").wait_for()
    page.click("a")
    page.wait_for_url(re.compile(r"/probe/next/"), wait_until="domcontentloaded")
    page.get_by_text("订单已办结").wait_for()
    failures = watch.finish()
    # then
    assert failures == [f"raw codes shown on {first} (left): ['order.deduct']"]


def test_an_english_state_id_on_a_page_left_by_a_form_fails(probe, live_server):
    # given
    body = ('<p>状态：submitted</p><img src="/probe/never.png" alt="票据">'
            '<form action="/probe/next/"><button type="submit">提交</button></form>')
    page, watch = probe({"first": body, "next": CLEAN})
    # when
    first = _leave_at_once(page, live_server, body, by="button[type=submit]")
    # then
    assert watch.finish() == [f"raw codes shown on {first} (parsed): ['submitted']"]


def test_a_serious_axe_violation_on_a_page_left_by_a_form_fails_with_rule_and_element(probe, live_server):
    # given: a field without a label (axe `label`, critical), the form sent before the page loaded
    body = ('<form action="/probe/next/"><input type="text" name="amount" id="amount">'
            '<img src="/probe/never.png" alt="票据"><button type="submit">提交</button></form>')
    page, watch = probe({"first": body, "next": CLEAN})
    # when
    first = _leave_at_once(page, live_server, body, by="button[type=submit]")
    failures = watch.finish()
    # then
    assert len(failures) == 1
    assert failures[0].startswith(f"axe on {first}: label (critical)")
    assert "#amount" in failures[0]


def test_a_violation_a_script_added_after_loading_is_found_in_what_was_seen(probe, live_server):
    # given: the page's own script adds an unlabelled field once loaded; the replay runs no script, so only
    # the markup as seen holds the field
    body = ('<a href="/probe/next/">下一步</a><script>addEventListener("load", () => document.querySelector("main")'
            '.insertAdjacentHTML("beforeend", \'<input type="text" id="late">\'))</script>')
    page, watch = probe({"first": body, "next": CLEAN})
    page.goto(f"{live_server.url}/probe/first/")
    page.locator("#late").wait_for()
    # when
    page.click("a")
    page.wait_for_url(f"{live_server.url}/probe/next/")
    failures = watch.finish()
    # then
    assert len(failures) == 1 and failures[0].startswith(f"axe on {live_server.url}/probe/first/: label")


def test_clean_pages_left_at_once_pass_and_each_path_is_axed_at_each_width(probe, live_server):
    # given
    body = '<p>待确认服务</p><img src="/probe/never.png" alt="票据"><a href="/probe/next/">下一步</a>'
    page, watch = probe({"first": body, "next": CLEAN})
    page.set_viewport_size(PHONE)
    _leave_at_once(page, live_server, body)
    page.set_viewport_size(DESKTOP)
    # when
    _leave_at_once(page, live_server, body)
    failures = watch.finish()
    # then
    assert failures == []
    assert watch.axed == {(path, width) for path in ("/probe/first/", "/probe/next/") for width in (390, 1366)}
    assert len(watch.documents) == 4


class _WatchLosingEveryCopy(PageWatch):
    """As if the page's copies never reached Python (a broken init script or binding)."""

    def _on_snapshot(self, source, snapshot: dict) -> None:
        pass


def test_a_shown_document_that_never_reached_the_check_fails_as_unchecked(probe, live_server):
    # given
    page, watch = probe({"first": CLEAN}, _WatchLosingEveryCopy)
    # when
    page.goto(f"{live_server.url}/probe/first/")
    failures = watch.finish()
    # then
    assert failures == [f"not checked: {live_server.url}/probe/first/ (1 document(s) loaded, no snapshot reached "
                        "the check)"]


def test_a_page_torn_down_before_it_was_parsed_showed_nothing_and_is_not_counted(probe, live_server):
    # given: a page whose parsing waits on a script that never arrives, left for the next page at once (as a
    # test that goes on while a redirect is still arriving)
    page, watch = probe({"first": '<p>待确认服务</p><script src="/probe/never.js"></script>', "next": CLEAN})
    page.goto(f"{live_server.url}/probe/first/", wait_until="commit")
    # when
    page.goto(f"{live_server.url}/probe/next/")
    failures = watch.finish()
    # then
    assert failures == [] and watch.loaded == [f"{live_server.url}/probe/next/"]


class _WatchKeepingOnlyTheFirstCopy(PageWatch):
    """As when a test navigates on the moment a page has loaded: the copies sent at `load` and at the leave are
    lost with the document torn down."""

    def _on_snapshot(self, source, snapshot: dict) -> None:
        if snapshot["moment"] == "parsed":
            super()._on_snapshot(source, snapshot)


def test_a_page_left_the_moment_it_loaded_is_checked_from_its_first_copy(probe, live_server):
    # given
    body = '<p>办理记录：order.deduct</p><input type="text" id="amount"><a href="/probe/next/">下一步</a>'
    page, watch = probe({"first": body, "next": CLEAN}, _WatchKeepingOnlyTheFirstCopy)
    page.set_viewport_size(PHONE)
    first = f"{live_server.url}/probe/first/"
    # when: each navigation returns at `load` and the test moves on at once
    page.goto(first)
    page.goto(f"{live_server.url}/probe/next/")
    failures = watch.finish()
    # then
    assert failures[0] == f"raw codes shown on {first} (parsed): ['order.deduct']"
    assert len(failures) == 2 and failures[1].startswith(f"axe on {first}: label (critical)")
    assert watch.axed == {("/probe/first/", 390), ("/probe/next/", 390)}


def test_a_query_whose_parameters_render_other_markup_is_axed_apart_and_a_next_page_is_not(probe, live_server):
    # given: the bare list is clean; the list filtered by state shows a field without a label
    pages = {"list": CLEAN, "list?state=open": '<p>筛选：待处理</p><input type="text" id="keyword">'}
    page, watch = probe(pages)
    page.set_viewport_size(DESKTOP)
    # when
    for query in ("", "?page=2", "?page=3", "?state=open"):
        page.goto(f"{live_server.url}/probe/list/{query}")
    failures = watch.finish()
    # then
    assert len(failures) == 1 and failures[0].startswith(f"axe on {live_server.url}/probe/list/?state=open: label")
    assert watch.axed == {("/probe/list/", 1366), ("/probe/list/?page", 1366), ("/probe/list/?state", 1366)}


def test_a_raw_code_on_a_popup_fails_with_its_address(probe, live_server):
    # given: a link that opens its page in a new tab
    page, watch = probe({"first": '<a href="/probe/popup/" target="_blank">打开凭证</a>',
                         "popup": "<p>办理记录：order.deduct</p>"})
    page.goto(f"{live_server.url}/probe/first/")
    # when
    with page.context.expect_page() as opened:
        page.click("a")
    popup = opened.value
    popup.get_by_text("order.deduct").wait_for()
    failures = watch.finish()
    # then
    popup_url = f"{live_server.url}/probe/popup/"
    assert failures == [f"raw codes shown on {popup_url} (parsed): ['order.deduct']"]
    assert popup_url in watch.loaded


def test_a_page_the_test_opens_beside_the_first_is_checked(probe, live_server):
    # given
    page, watch = probe({"first": CLEAN, "second": '<p>状态：submitted</p><input type="text" id="amount">'})
    page.goto(f"{live_server.url}/probe/first/")
    # when
    second = page.context.new_page()
    second.goto(f"{live_server.url}/probe/second/")
    failures = watch.finish()
    # then
    assert failures[0] == f"raw codes shown on {live_server.url}/probe/second/ (parsed): ['submitted']"
    assert len(failures) == 2 and failures[1].startswith(f"axe on {live_server.url}/probe/second/: label")
    assert watch.loaded == [f"{live_server.url}/probe/first/", f"{live_server.url}/probe/second/"]
