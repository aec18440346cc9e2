"""Refuse, before any view sees it, a request too large to read or holding what no database can store."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """A body past DATA_UPLOAD_MAX_MEMORY_SIZE is answered 413 from its Content-Length alone: nothing of it is
    read, parsed or spooled to disk (Django counts only form fields against that limit, never uploaded files)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return _refusal(request, 413, "too_large", _("The request is too large: %(limit)s MB at most.") % {
                "limit": limit // (1024 * 1024)})
        return self.get_response(request)


class NulRefusalMiddleware:
    """A NUL character in the path, the query or a header is answered 400: no column can store it and
    PostgreSQL refuses even to compare with it, which would otherwise fail the request as a server error.
    (Form fields refuse it already, Django's own check; the API's bodies in `core.api.Input`.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _holds_nul(request):
            return _refusal(request, 400, "bad_request",
                            _("The address or a header of the request holds a NUL character."))
        return self.get_response(request)


def _holds_nul(request) -> bool:
    if "\x00" in request.path_info:
        return True
    if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
        return True
    return any("\x00" in str(value) for key, value in request.META.items() if key.startswith("HTTP_"))


def _refusal(request, status: int, code: str, message: str) -> HttpResponse:
    """The API answers in its error shape; pages with a short text."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": code, "message": message, "when": None, "field": None}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
