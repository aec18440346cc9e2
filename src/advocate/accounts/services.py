from django.conf import settings

from .models import User


def user_set_language(*, user: User, language: str) -> None:
    """Remember a person's language so every device and every later visit uses it."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unsupported language {language!r}")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
