from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advocate.accounts.decorators import staff_required
from advocate.core.reasons import ContactReason

from . import services
from .models import Reading


@staff_required
@require_POST
def correct(request, reading_id: int):
    """An associate corrects what triage understood; unchanged fields record nothing."""
    reading = get_object_or_404(Reading, pk=reading_id)
    reason = request.POST.get("reason", "")
    spoken = request.POST.get("language", "")
    if reason not in ContactReason.values or spoken not in {code for code, _name in settings.LANGUAGES} | {"other"}:
        messages.error(request, _("Choose a reason and a language from the lists."))
        return redirect("conversation", reading.conversation_id)
    if spoken == "other" and reading.language not in {code for code, _name in settings.LANGUAGES}:
        spoken = reading.language  # "another language" and it was one: nothing to correct
    changes = {"reason": reason, "language": spoken,
               "abusive": "true" if request.POST.get("abusive") == "true" else "false",
               "wants_person": "true" if request.POST.get("wants_person") == "true" else "false"}
    count = services.reading_correct(reading, by=request.user, changes=changes, moment=timezone.now())
    if count:
        messages.success(request, _("Corrected. Thank you: triage learns from it at its next training."))
    else:
        messages.info(request, _("Nothing changed."))
    return redirect("conversation", reading.conversation_id)
