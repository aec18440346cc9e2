from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from advocate.accounts.decorators import operator_required, staff_required
from advocate.core.reasons import ContactReason

from . import automation as automation_figures
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


def _typed(request) -> dict[str, dict]:
    """The switches as posted: {reason: {"automatic": bool, "threshold": text}} for each row of the form."""
    return {reason: {"automatic": request.POST.get(f"automatic_{reason}") == "on",
                     "threshold": request.POST.get(f"threshold_{reason}", "")[:40]}
            for reason in dict.fromkeys(request.POST.getlist("reason"))}


@operator_required
def automation(request):
    """What automatic answers settle with no person, and the switches and thresholds that decide them: save
    them, or try them on the last 30 days first (which saves nothing)."""
    asked = request.GET.get("days", "")
    days = int(asked) if asked in {str(period) for period in automation_figures.PERIODS} else 30
    now = timezone.now()
    typed, errors, tried = None, {}, None
    if request.method == "POST":
        typed = _typed(request)
        errors = automation_figures.choices_check(typed)
        if not errors and request.POST.get("action") == "try":
            tried = automation_figures.dry_run(choices=typed, now=now)
        elif not errors:
            changed = automation_figures.policies_save(by=request.user, choices=typed)
            if changed:
                messages.success(request, ngettext(
                    "Saved: %(count)d reason changed. New messages are answered by it from now on.",
                    "Saved: %(count)d reasons changed. New messages are answered by them from now on.",
                    changed) % {"count": changed})
            else:
                messages.info(request, _("Nothing changed."))
            return redirect(f"{reverse('automation')}?days={days}")
    return render(request, "triage/automation.html", {
        **automation_figures.overview(days=days, now=now), "periods": automation_figures.PERIODS,
        "try_days": automation_figures.TRY_DAYS,
        "switches": automation_figures.switches(typed=typed, errors=errors), "errors": errors, "tried": tried,
    }, status=422 if errors else 200)
