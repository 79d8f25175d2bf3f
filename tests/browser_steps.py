"""Steps several browser journeys take the same way."""
import re

from hangqifu.documents.tests.factories import pdf_bytes


def logout(page) -> None:
    """Sign out by the header's 退出 and wait for the login page it leads to, as a person would, before the
    next step: a step taken while that page is still arriving would leave it unseen (and unchecked)."""
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_url(re.compile(r"/accounts/login/"))


def upload_documents(page, kinds) -> None:
    """On a page with the document upload form (a redemption claim, a provider application): upload one PDF of
    each kind, each confirmed before the next."""
    for kind in kinds:
        page.select_option("[data-testid=upload-form] select[name=kind]", kind)
        page.set_input_files("[data-testid=upload-form] input[name=file]",
                             files=[{"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(kind)}])
        page.click("[data-testid=upload-form] button[type=submit]")
        page.wait_for_selector(".msg-success")


def fill_form(page, values: dict[str, str], *, within: str = "") -> None:
    """Fill a form's fields by name, in order, as a person would: type into a text box or text area, choose in a
    select. `within` (a selector) picks the form when the page has several."""
    for name, value in values.items():
        field = page.locator(f"{within} [name='{name}']".strip())
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
