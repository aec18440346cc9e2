from django.conf import settings


def support_contact(request):
    """Every page shows how to reach a person: the support number is never hidden."""
    return {"support_phone": settings.ADVOCATE_SUPPORT_PHONE, "support_hours": settings.ADVOCATE_SUPPORT_HOURS}
