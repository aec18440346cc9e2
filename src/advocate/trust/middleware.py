from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from .guards import closed_refusal, user_closed

OPEN_PATHS = ("/account/decisions/", "/accounts/logout/", "/i18n/", "/static/")


class ClosedAccountMiddleware:
    """A customer whose account was closed can still sign in, but only to read the decision and appeal it; a
    reversal restores everything at once. The rule itself is enforced by the services (`guards`), whatever the
    door; this sends a closed customer's pages to their decisions, and answers their API calls in JSON.
    (One indexed query per customer request.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and user.is_customer
                and not request.path.startswith(OPEN_PATHS) and user_closed(user)):
            if request.path.startswith("/api/"):
                return JsonResponse(closed_refusal().as_dict(), status=403)
            return redirect(reverse("account_actions"))
        return self.get_response(request)

