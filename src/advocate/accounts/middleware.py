from django.utils import timezone, translation

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
