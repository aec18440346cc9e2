from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .forms import SignInForm
from .services import user_set_language


class LoginView(auth_views.LoginView):
    authentication_form = SignInForm
    redirect_authenticated_user = True


def home(request):
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    if user.is_associate or user.is_operator:
        return redirect("queue")  # customers waiting come first
    return redirect("order_list")


@require_POST
def set_language(request):
    """Django's language switch (cookie) plus, for a signed-in person, remembering the choice."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_set_language(user=request.user, language=language)
    if response.status_code == 204:  # Django answers 204 to a request without a safe 'next'
        return redirect(reverse("home"))
    return response
