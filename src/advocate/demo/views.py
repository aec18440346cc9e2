from django.conf import settings

from advocate.accounts.views import LoginView as AccountsLoginView

from .marketplace import DEMO_PASSWORD, demo_logins


class LoginView(AccountsLoginView):
    """The sign-in page, listing the demo accounts when `advocate up` generated the demo here."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.ADVOCATE_SHOW_DEMO_LOGINS:
            context.update(demo_logins=demo_logins(), demo_password=DEMO_PASSWORD)
        return context
