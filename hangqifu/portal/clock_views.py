"""The test-clock panel in the portal header (staff, only while the test clock is on): set, advance, reset the
business time and run the jobs due, each through `clock_controls` (audited)."""
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from hangqifu.core import clock
from hangqifu.core.errors import DomainError

from . import clock_controls

STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7),
         "month": timedelta(days=30)}


class ClockForm(forms.Form):
    op = forms.ChoiceField(choices=[(op, op) for op in ("set", "reset", "run", *STEPS)])
    when = forms.DateTimeField(label="业务时间", required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                               error_messages={"invalid": "请输入有效的日期和时间"})

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("op") == "set" and not cleaned.get("when"):
            self.add_error("when", "请选择要设置的业务时间")
        return cleaned


def _back(request) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return "/home/"


def _apply(actor, op: str, when) -> str:
    if op == "set":
        clock_controls.clock_set(actor=actor, when=when)
    elif op == "reset":
        clock_controls.clock_reset(actor=actor)
        return "已恢复为真实时间"
    elif op == "run":
        results = clock_controls.clock_run_due(actor=actor)
        return f"已执行到期定时任务 {len(results)} 项"
    else:
        step = STEPS[op]
        clock_controls.clock_advance(actor=actor, days=step.days, hours=step.seconds // 3600)
    return f"业务时间已调整为 {timezone.localtime(clock.now()):%Y-%m-%d %H:%M}"


@require_POST
@login_required
def test_clock_panel(request):
    if not clock.test_clock_enabled():
        raise Http404
    if not clock_controls.may_move_clock(request.user):
        raise PermissionDenied
    form = ClockForm(request.POST)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return redirect(_back(request))
    try:
        done = _apply(request.user, form.cleaned_data["op"], form.cleaned_data["when"])
    except DomainError as exc:
        messages.error(request, exc.message())
    else:
        messages.success(request, done)
    return redirect(_back(request))
