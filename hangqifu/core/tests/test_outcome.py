"""The pieces pages share around one service call: a posted form, a named action, a scoped read's miss, and the
admin's one-choice changelist filter."""
import pytest
from django import forms
from django.contrib.admin import site
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import Http404
from django.test import RequestFactory

from hangqifu.core.admin import OneChoiceFilter
from hangqifu.core.errors import InvalidInput, RuleViolation
from hangqifu.core.outcome import add_domain_errors, form_submit, found_or_404, page_action


class NameForm(forms.Form):
    name = forms.CharField()


def _request(method="get", data=None):
    request = getattr(RequestFactory(), method)("/", data or {})
    request.user = "the-actor"
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _record(calls, result="done"):
    def service(*, actor, **arguments):
        calls.append({"actor": actor, **arguments})
        return result
    return service


def test_form_submit_calls_the_service_once_on_a_valid_post_with_the_user_and_the_fields():
    calls = []
    # when
    outcome = form_submit(_request("post", {"name": "甲"}), NameForm({"name": "甲"}), _record(calls), year=2026)
    # then
    assert outcome == (True, "done")
    assert calls == [{"actor": "the-actor", "year": 2026, "name": "甲"}]


@pytest.mark.parametrize("method,data", [("get", {"name": "甲"}), ("post", {})])
def test_form_submit_calls_nothing_on_a_get_or_an_invalid_form(method, data):
    calls = []
    assert form_submit(_request(method, data), NameForm(data), _record(calls)) == (False, None)
    assert calls == []


def test_form_submit_puts_a_refusal_on_the_form_fields():
    def refuse(*, actor, name):
        raise InvalidInput("信息有误", fields={"name": ["名称已被使用"]})

    form = NameForm({"name": "甲"})
    assert form_submit(_request("post", {"name": "甲"}), form, refuse) == (False, None)
    assert form.errors == {"name": ["名称已被使用"]}


def test_a_message_for_a_field_not_on_the_form_is_shown_form_wide_instead_of_the_detail():
    # given: a product row of the application's formset is not a field of the application form
    form = NameForm({"name": "甲"})
    form.is_valid()
    # when
    add_domain_errors(form, InvalidInput("申报产品信息有误", fields={
        "name": ["名称已被使用"], "products[0]": ["请填写产品名称", "价格必须大于 0"]}))
    # then
    assert form.errors == {"name": ["名称已被使用"], "__all__": ["请填写产品名称", "价格必须大于 0"]}


@pytest.mark.parametrize("fields", [{}, {"elsewhere": []}])
def test_the_detail_is_shown_form_wide_only_when_no_message_was_placed(fields):
    form = NameForm({"name": "甲"})
    form.is_valid()
    add_domain_errors(form, RuleViolation("当前没有开放申报的遴选批次", fields=fields))
    assert form.errors == {"__all__": ["当前没有开放申报的遴选批次"]}


def test_page_action_runs_the_named_service_and_says_its_line():
    calls = []
    request = _request("post")
    page_action(request, {"close": (_record(calls), "已截止")}, "close", batch=7)
    assert calls == [{"actor": "the-actor", "batch": 7}]
    assert [str(m) for m in get_messages(request)] == ["已截止"]


def test_page_action_shows_a_refusal_and_knows_no_other_name():
    def refuse(*, actor, batch):
        raise RuleViolation("批次已截止")

    request = _request("post")
    page_action(request, {"close": (refuse, "已截止")}, "close", batch=7)
    assert [str(m) for m in get_messages(request)] == ["批次已截止"]
    with pytest.raises(Http404):
        page_action(request, {"close": (refuse, "已截止")}, "reopen", batch=7)


def test_found_or_404_passes_a_row_and_turns_none_into_the_page_message():
    assert found_or_404("row", "申请不存在") == "row"
    with pytest.raises(Http404, match="申请不存在"):
        found_or_404(None, "申请不存在")


class StaffFilter(OneChoiceFilter):
    title, parameter_name, choice = "员工", "staff", ("yes", "仅员工")

    def narrow(self, queryset):
        return queryset.filter(is_staff=True)


@pytest.mark.django_db
@pytest.mark.parametrize("params,expected", [({"staff": ["yes"]}, {"staff"}), ({}, {"staff", "public"}),
                                             ({"staff": ["no"]}, {"staff", "public"})])
def test_one_choice_filter_narrows_on_its_choice_only(params, expected):
    user_model = get_user_model()
    user_model.objects.create(username="staff", is_staff=True)
    user_model.objects.create(username="public")
    list_filter = StaffFilter(_request(), dict(params), user_model, site._registry.get(user_model))
    assert list_filter.lookups(None, None) == [("yes", "仅员工")]
    assert set(list_filter.queryset(None, user_model.objects.all()).values_list("username", flat=True)) == expected
