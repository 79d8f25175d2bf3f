from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render

from hangqifu.core.errors import DomainError
from hangqifu.core.throttle import throttle_posts

from . import services
from .forms import SignupForm


@throttle_posts("auth")
def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "password_again"}
        try:
            user = services.signup(**data)
        except DomainError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.fields:
                form.add_error(None, exc.detail)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "注册成功，欢迎使用杭企服")
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})
