from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers

from advocate.core.zones import zone_or_utc


class UserPreferencesMiddleware:
    """Serve a signed-in person in the language and time zone they chose, on every device.

    Runs after LocaleMiddleware: the remembered choice wins over the browser's Accept-Language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
            timezone.activate(zone_or_utc(user.time_zone))
        response = self.get_response(request)
        timezone.deactivate()
        return response


class PrivatePagesMiddleware:
    """Nothing shown to a signed-in person, or answered to a request with an API key, is kept by a cache.

    `Cache-Control: no-store, private` on those responses: a shared computer's browser history, a proxy or
    the back button after signing out never shows someone's orders to the next person.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META:
            add_never_cache_headers(response)
        return response
