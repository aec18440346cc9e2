from django.conf import settings
from django.http import HttpResponseServerError
from django.template import loader


def server_error(request):
    """The 500 page still shows the support number; it is rendered without context processors,
    which may be what failed."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"support_phone": settings.ADVOCATE_SUPPORT_PHONE}))
