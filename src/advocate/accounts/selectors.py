from django.conf import settings

from .models import User


def seller_reader(seller_id: int) -> tuple[str, str]:
    """The language and time zone to write to a seller in: those of its first active user who chose a language."""
    user = (User.objects.filter(seller_id=seller_id, is_active=True).exclude(language="").order_by("pk")
            .values_list("language", "time_zone").first())
    return user or (settings.LANGUAGE_CODE, "UTC")

