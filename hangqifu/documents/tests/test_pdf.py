import io

import pypdf
import pytest

from hangqifu.documents.pdf import render_pdf


def test_chinese_text_renders_with_the_vendored_font_and_extracts_back():
    # when
    pdf = render_pdf("pdf/base.html", {"title": "杭州市中小微企业服务券兑付拨付文件", "issuer": "杭州市经济和信息化局",
                                       "document_number": "杭经信拨〔2026〕1号"})
    # then
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "杭州市中小微企业服务券兑付拨付文件" in text
    assert "杭经信拨〔2026〕1号" in text and "杭州市经济和信息化局（盖章）" in text
    fonts = {str(font.get_object()["/BaseFont"]) for font in reader.pages[0]["/Resources"]["/Font"].values()}
    # "HQ CJK" exists only as the @font-face over the vendored file: a system font would carry its own name
    assert fonts and all("HQ-CJK" in name for name in fonts), fonts


def test_remote_resources_are_not_fetched(tmp_path, settings):
    template = tmp_path / "remote.html"
    template.write_text('<img src="http://169.254.169.254/latest/meta-data/"><p>正文</p>', encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    pdf = render_pdf("remote.html", {})
    assert "正文" in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_local_files_outside_static_are_not_read(tmp_path, settings):
    from hangqifu.documents.pdf import _url_fetcher

    with pytest.raises(ValueError):
        _url_fetcher().fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        _url_fetcher().fetch("http://example.com/x.png")
    response = _url_fetcher().fetch(settings.CJK_FONT_PATH.resolve().as_uri())
    assert response.read(4)
