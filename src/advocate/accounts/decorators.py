"""Who may open a page: the role checks every domain's views use.

Someone not signed in is sent to sign in. Someone signed in with an account of another role gets a clear
"not for your account" page (403) — never sent to sign in again, which for a signed-in person only bounced
straight back (sign-in sends a signed-in person on) and looped.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def is_staff(user) -> bool:
    """A service associate or an operator."""
    return user.is_authenticated and (user.is_associate or user.is_operator)


def role_required(allowed):
    """A view decorator: only signed-in people for whom `allowed(user)` holds."""

    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return checked

    return decorator


staff_required = role_required(is_staff)
operator_required = role_required(lambda user: user.is_operator)
seller_required = role_required(lambda user: user.is_seller)
