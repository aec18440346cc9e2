from django.shortcuts import redirect
from django.urls import reverse

from .models import AccountAction, ActionKind, ActionState

OPEN_PATHS = ("/account/decisions/", "/accounts/logout/", "/i18n/", "/static/")


class ClosedAccountMiddleware:
    """A customer whose account was closed can still sign in, but only to read the decision and appeal it; a
    reversal restores everything at once. (One indexed query per customer request.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and user.is_customer
                and not request.path.startswith(OPEN_PATHS)
                and AccountAction.objects.filter(customer__user=user, kind=ActionKind.CUSTOMER_CLOSED,
                                                 state=ActionState.ACTIVE).exists()):
            return redirect(reverse("account_actions"))
        return self.get_response(request)
