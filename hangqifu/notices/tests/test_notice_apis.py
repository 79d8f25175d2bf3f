import pytest
from django.urls import reverse

from hangqifu.accounts.roles import Role, sync_role_groups
from hangqifu.core.pending import pending_for
from hangqifu.documents.models import Document
from hangqifu.documents.tests.factories import pdf_bytes, upload
from hangqifu.notices import services
from hangqifu.notices.models import NoticeItem, Objection, PublicNotice

pytestmark = pytest.mark.django_db


def test_public_list_is_paginated_newest_first_with_bounded_queries(api_client, bureau, providers, set_clock,
                                                                   django_assert_max_num_queries):
    set_clock("2026-06-01T09:00:00+08:00")
    for day in range(1, 8):
        set_clock(f"2026-06-{day:02d}T09:00:00+08:00")
        services.notice_publish(kind="test_admission", title=f"公示{day}", actor=bureau,
                                items=[(org, org.name) for org in providers])
    PublicNotice.objects.create(kind="general", title="草稿不公开", working_days=5, created_by=bureau)
    with django_assert_max_num_queries(3):
        response = api_client.get(reverse("api:public-notice-list"))
    body = response.json()
    assert response.status_code == 200 and body["count"] == 7
    assert [n["title"] for n in body["results"]][:2] == ["公示7", "公示6"]
    assert len(body["results"][0]["items"]) == 2 and body["results"][0]["available_actions"] == []
    assert api_client.get(reverse("api:public-notice-list"), {"state": "closed_clear"}).json()["count"] == 0
    assert api_client.get(reverse("api:public-notice-list"), {"kind": "general"}).json()["count"] == 0


def test_public_list_page_query_count_does_not_grow_with_notices(client, bureau, providers, set_clock,
                                                                 django_assert_max_num_queries):
    for day in range(1, 6):
        set_clock(f"2026-06-{day:02d}T09:00:00+08:00")
        services.notice_publish(kind="test_admission", title=f"公示{day}", actor=bureau,
                                items=[(org, org.name) for org in providers])
    with django_assert_max_num_queries(4):
        response = client.get(reverse("notices:list"))
    assert response.status_code == 200 and "公示5" in response.content.decode()


def test_objection_api_inside_and_after_the_window(api_as, api_client, published, make_user, set_clock):
    user = make_user(role=Role.ENTERPRISE)
    item = NoticeItem.objects.filter(notice=published).first()
    url = reverse("api:public-notice-objections", args=[published.pk])
    # anonymous may not object
    assert api_client.post(url, {"content": "x"}, format="json").status_code == 401
    # inside the window
    detail = api_as(user).get(reverse("api:public-notice-detail", args=[published.pk])).json()
    assert detail["is_open"] and detail["available_actions"] == ["object"]
    response = api_as(user).post(url, {"content": "该机构未满两年", "item": item.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["state"] == "open" and response.json()["item"] == item.pk
    # bad input
    empty = api_as(user).post(url, {"content": "  "}, format="json")
    assert empty.status_code == 400 and empty.json()["fields"]["content"]
    other_item = api_as(user).post(url, {"content": "x", "item": 999999}, format="json")
    assert other_item.status_code == 400 and other_item.json()["fields"]["item"]
    # after the window
    set_clock("2026-10-11T08:00:00+08:00")
    late = api_as(user).post(url, {"content": "迟到的异议"}, format="json")
    assert late.status_code == 409 and late.json()["code"] == "notice_closed"
    assert Objection.objects.count() == 1


def test_resolve_api_for_staff_only(api_as, published, make_user, service_center):
    objection = services.objection_file(notice=published, user=make_user(), content="异议")
    url = reverse("api:objection-resolve", args=[objection.pk])
    assert api_as(make_user(role=Role.ENTERPRISE)).post(url, {"upheld": True, "opinion": "x"},
                                                         format="json").status_code == 403
    missing = api_as(service_center).post(url, {"upheld": False, "opinion": ""}, format="json")
    assert missing.status_code == 400 and missing.json()["fields"]["opinion"]
    response = api_as(service_center).post(url, {"upheld": False, "opinion": "经核查不成立"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "dismissed"
    again = api_as(service_center).post(url, {"upheld": True, "opinion": "改判"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    pending = api_as(service_center).get(reverse("api:objection-list"), {"state": "open"}).json()
    assert pending["count"] == 0


def test_general_announcement_by_bureau(api_as, bureau, make_user, set_clock):
    set_clock("2026-06-01T09:00:00+08:00")
    url = reverse("api:public-notice-list")
    assert api_as(make_user()).post(url, {"title": "公告"}, format="json").status_code == 403
    response = api_as(bureau).post(url, {"title": "2026年第三季度兑付批次安排", "body": "9月1日至9月15日受理",
                                          "working_days": 3}, format="json")
    assert response.status_code == 201 and response.json()["closes_at"].startswith("2026-06-04T23:59:59+08:00")


def test_attachments_are_checked_and_downloadable_by_the_public(api_as, api_client, client, published, bureau):
    url = reverse("api:public-notice-documents", args=[published.pk])
    html = api_as(bureau).post(url, {"kind": "notice_attachment",
                                      "file": upload("名单.pdf", b"<html><body>x</body></html>")}, format="multipart")
    assert html.status_code == 400 and html.json()["code"] == "invalid_document"
    traversal = api_as(bureau).post(url, {"kind": "notice_attachment", "file": upload("../../../名单.pdf", pdf_bytes())},
                                    format="multipart")
    # Django keeps only the base name of a multipart file name; the stored path is generated by the server
    assert traversal.status_code == 201 and traversal.json()["original_name"] == "名单.pdf"
    document = Document.objects.get()
    assert document.file.name.startswith("documents/2026/") and ".." not in document.file.name
    detail = api_client.get(reverse("api:public-notice-detail", args=[published.pk])).json()
    assert detail["attachments"][0]["download_url"] == reverse("api:document-download", args=[document.pk])
    response = client.get(reverse("documents:download", args=[document.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")


def test_public_pages_and_objection_form(client, published, make_user, set_clock):
    PublicNotice.objects.create(kind="general", title="草稿不公开", working_days=5, created_by=published.created_by)
    page = client.get(reverse("notices:list")).content.decode()
    assert published.title in page and "草稿不公开" not in page
    anonymous = client.get(published.get_absolute_url()).content.decode()
    assert "杭州服务机构0有限公司（拟入驻）" in anonymous and "登录</a>后可在公示期内提出异议" in anonymous
    user = make_user()
    client.force_login(user)
    assert "提交异议" in client.get(published.get_absolute_url()).content.decode()
    empty = client.post(reverse("notices:object", args=[published.pk]), {"content": ""})
    assert empty.status_code == 400 and "请填写异议内容" in empty.content.decode()
    ok = client.post(reverse("notices:object", args=[published.pk]), {"content": "材料存疑"})
    assert ok.status_code == 302 and Objection.objects.filter(user=user).count() == 1
    assert "材料存疑" in client.get(published.get_absolute_url()).content.decode()
    set_clock("2026-10-12T09:00:00+08:00")
    late = client.post(reverse("notices:object", args=[published.pk]), {"content": "迟到"})
    assert late.status_code == 400 and "不在公示期内" in late.content.decode()
    draft = PublicNotice.objects.get(title="草稿不公开")
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_staff_see_open_objections_and_resolve_them_in_admin(client, published, make_user, service_center):
    sync_role_groups()
    objection = services.objection_file(notice=published, user=make_user(), content="异议内容")
    assert [item.count for item in pending_for(service_center) if item.title == "待处理的公示异议"] == [1]
    client.force_login(service_center)
    url = reverse("admin:notices_objection_change", args=[objection.pk])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"decision": "dismissed", "resolution": ""})
    assert refused.status_code == 200 and "请填写处理意见" in refused.content.decode()
    response = client.post(url, {"decision": "dismissed", "resolution": "经核查，异议不成立"})
    assert response.status_code == 302
    resolved = Objection.objects.get(pk=objection.pk)
    assert resolved.state == Objection.State.DISMISSED and resolved.resolved_by == service_center
    assert pending_for(service_center) == [] or all(i.title != "待处理的公示异议" for i in pending_for(service_center))


def test_resolving_is_offered_to_the_deciders_while_the_objection_is_open(api_as, published, make_user,
                                                                          service_center):
    objector = make_user()
    objection = services.objection_file(notice=published, user=objector, content="异议")
    listed = api_as(service_center).get(reverse("api:objection-list")).json()["results"]
    assert [row["available_actions"] for row in listed] == [["resolve"]]
    assert api_as(objector).get(reverse("api:objection-list")).json()["results"][0]["available_actions"] == []
    services.objection_resolve(objection=objection, actor=service_center, upheld=False, opinion="不成立")
    listed = api_as(service_center).get(reverse("api:objection-list")).json()["results"]
    assert [row["available_actions"] for row in listed] == [[]]
