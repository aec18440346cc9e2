"""What every domain's views share for refusals: a refusal changes nothing, so the page simply says why."""

from collections.abc import Callable

from django.contrib import messages

from .errors import Refused


def attempt(request, work: Callable[[], object], *, success: object = "") -> bool:
    """Run a service call for a form post; whether it was done. Done: `success` (if any) is shown on the next
    page. Refused: its message is shown instead."""
    try:
        work()
    except Refused as refused:
        messages.error(request, str(refused))
        return False
    if success:
        messages.success(request, str(success))
    return True


def refusal_on_form(form, refused: Refused) -> None:
    """A refusal as the form's error, on the field at fault when the form has it."""
    form.add_error(refused.field if refused.field in form.fields else None, str(refused))


def attempt_on_form(form, work: Callable[[], object]) -> bool:
    """The same for a page that shows its form again: the refusal becomes the form's error."""
    try:
        work()
    except Refused as refused:
        refusal_on_form(form, refused)
        return False
    return True
