from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.http import HttpResponseServerError
from django.template import loader

from advocate.notifications.services import email_queue


def server_error(request):
    """The 500 page still shows the support number; it is rendered without context processors,
    which may be what failed."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"support_phone": settings.ADVOCATE_SUPPORT_PHONE}))


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's password reset (for staff and sellers: a login without a usable password — a customer who signs
    in by link — gets nothing), its email sent through our outbound mail in the person's language."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        user = context["user"]
        email_queue(key=f"password-reset:{user.pk}:{context['token']}", to=to_email,
                    template="platform/password_reset_email.txt",
                    context={**context, "site_url": settings.ADVOCATE_SITE_URL},
                    language=user.language or settings.LANGUAGE_CODE, time_zone=user.time_zone)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
