"""Sign-in pages: password (Django's LoginView, locked out by django-axes), then the second factor; enrolling
an authenticator and backup codes; changing the password (which ends every API token)."""
import time

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from hangqifu.audit.services import audit_record
from hangqifu.core.errors import DomainError
from hangqifu.core.throttle import throttle_posts

from . import second_factor as sf
from .middleware import LAST_SEEN_SESSION_KEY, OPTED_IN_SESSION_KEY
from .tokens import tokens_revoke_all


class CodeForm(forms.Form):
    otp = forms.CharField(label="动态口令", max_length=16, strip=True,
                          widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                        "autofocus": True}),
                          help_text="验证器App显示的6位数字；手机不在身边时可输入一个备用码")


class ResetForm(forms.Form):
    reason = forms.CharField(label="重置原因", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


def _next_url(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return reverse(default)


@method_decorator(throttle_posts("auth"), name="dispatch")
class LoginView(auth_views.LoginView):
    """Password first. An account with an authenticator (every staff account, and opted-in ones) is then asked
    for its code by SecondFactorMiddleware before any page opens."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user = self.request.user
        audit_record(actor=user, action="security.login", obj=user,
                     payload={"channel": "web", "second_factor_next": sf.has_second_factor(user)})
        self.request.session[LAST_SEEN_SESSION_KEY] = int(time.time())
        if sf.has_second_factor(self.request.user):
            self.request.session[OPTED_IN_SESSION_KEY] = True
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        user = request.user if request.user.is_authenticated else None
        if user is not None:
            audit_record(actor=user, action="security.logout", obj=user, payload={"channel": "web"})
        return super().post(request, *args, **kwargs)


@login_required
@throttle_posts("auth")
def second_factor_verify(request):
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not sf.has_second_factor(user):
        return redirect(f"{reverse('second-factor')}?next={_next_url(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = sf.second_factor_verify(user=user, code=form.cleaned_data["otp"], channel="web")
        except DomainError as exc:
            form.add_error("otp", exc.detail)
        else:
            request.session.cycle_key()
            otp_login(request, device)
            audit_record(actor=user, action="security.second_factor_passed", obj=user,
                         payload={"device": device.name})
            return redirect(_next_url(request))
    return render(request, "accounts/second_factor_verify.html", {"form": form, "next": _next_url(request)})


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return mark_safe(image.to_string(encoding="unicode"))  # generated here from our own data, no user markup


@login_required
@throttle_posts("auth")
def second_factor_manage(request):
    """Enrol an authenticator (scan, confirm with a code), see and renew backup codes, switch an opt-in off."""
    user = request.user
    context = {"required": sf.requires_second_factor(user), "next": _next_url(request), "codes": None}
    enrolled = sf.confirmed_totp(user)
    if enrolled is None:
        device = sf.totp_begin(user=user)
        form = CodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                device, codes = sf.totp_confirm(user=user, code=form.cleaned_data["otp"])
            except DomainError as exc:
                form.add_error("otp", exc.detail)
            else:
                request.session.cycle_key()
                otp_login(request, device)
                request.session[OPTED_IN_SESSION_KEY] = True
                messages.success(request, "动态口令已绑定。请抄下备用码并妥善保管，每个备用码只能使用一次。")
                return render(request, "accounts/second_factor.html",
                              {**context, "enrolled": True, "codes": codes, "left": len(codes)})
        context.update({"enrolled": False, "form": form, "qr": _qr_svg(device.config_url),
                        "secret": sf.secret_of(device)})
    else:
        context.update({"enrolled": True, "left": sf.backup_codes_left(user), "form": CodeForm()})
    return render(request, "accounts/second_factor.html", context)


@login_required
@require_POST
def backup_codes_renew(request):
    if not request.user.is_verified():
        return redirect("second-factor-verify")
    try:
        codes = sf.backup_codes_regenerate(user=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("second-factor")
    messages.success(request, "已生成新的备用码，原有备用码全部失效。")
    return render(request, "accounts/second_factor.html",
                  {"enrolled": True, "codes": codes, "left": len(codes), "required": sf.requires_second_factor(request.user)})


@login_required
@require_POST
@throttle_posts("auth")
def second_factor_disable(request):
    form = CodeForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("请输入动态口令")
        sf.second_factor_disable(user=request.user, code=form.cleaned_data["otp"])
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        request.session.pop(OPTED_IN_SESSION_KEY, None)
        messages.success(request, "已关闭动态口令")
    return redirect("second-factor")


@method_decorator(throttle_posts("auth"), name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's form (old password checked); the change is audited and ends every API token of the account."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        revoked = tokens_revoke_all(user=user, reason="password_changed")
        audit_record(actor=user, action="security.password_changed", obj=user, payload={"tokens_revoked": revoked})
        update_session_auth_hash(self.request, user)
        messages.success(self.request, "密码已修改。已签发的 API 令牌全部失效，请重新获取。")
        return response
