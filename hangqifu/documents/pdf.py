"""render_pdf(): official documents (commitment letters, disbursement orders) as PDF with WeasyPrint.

Chinese needs a CJK font the server is guaranteed to have: the vendored WenQuanYi Micro Hei
(settings.CJK_FONT_PATH) is declared as @font-face "HQ CJK" through a file:// URL. Only local files under
static/ may be fetched while rendering — no network access from templates."""
import logging
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

CJK_FAMILY = "HQ CJK"
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _font_css() -> str:
    font = Path(settings.CJK_FONT_PATH).resolve()
    return (f'@font-face {{ font-family: "{CJK_FAMILY}"; src: url("{font.as_uri()}"); }}\n'
            f'html {{ font-family: "{CJK_FAMILY}", sans-serif; }}')


def _allowed_roots() -> list[Path]:
    return [Path(settings.CJK_FONT_PATH).resolve().parent, *(Path(p).resolve() for p in settings.STATICFILES_DIRS)]


def _url_fetcher():
    from urllib.parse import unquote, urlparse

    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """file:// under the font and static folders, and data: URLs; nothing from the network."""

        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                path = Path(unquote(urlparse(url).path)).resolve()
                if not any(path.is_relative_to(root) for root in _allowed_roots()):
                    raise ValueError(f"PDF 渲染不允许读取此文件：{url[:100]}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols={"file", "data"})


def render_pdf(template_name: str, context: dict | None = None) -> bytes:
    """Render a Django template to PDF bytes. Templates usually extend "pdf/base.html"."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_to_string(template_name, context or {})
    static_root = Path(settings.STATICFILES_DIRS[0]).resolve()
    fetcher = _url_fetcher()
    # Without a FontConfiguration WeasyPrint ignores @font-face and falls back to whatever fonts the machine
    # has: Chinese then renders only where a system CJK font happens to be installed.
    fonts = FontConfiguration()
    return HTML(string=html, base_url=static_root.as_uri() + "/", url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(string=_font_css(), url_fetcher=fetcher, font_config=fonts)], font_config=fonts)
