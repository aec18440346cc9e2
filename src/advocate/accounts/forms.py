"""The sign-in forms: Django's, saying so when the sign-in limits refused the attempt (see `signin.py`)."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from .signin import lockout_message


class LockoutAwareForm:
    """When axes refused the sign-in (the account or the address is locked) or this failure locked it, the
    form's error says so and for how long, instead of "did not match"."""

    locked_out = False

    def get_invalid_login_error(self):
        request = self.request
        if request is not None and getattr(request, "axes_locked_out", False):
            self.locked_out = True
            return ValidationError(lockout_message(getattr(request, "signin_locked_until", None)),
                                   code="locked_out")
        return super().get_invalid_login_error()


class SignInForm(LockoutAwareForm, AuthenticationForm):
    pass


class AdminSignInForm(LockoutAwareForm, AdminAuthenticationForm):
    pass
