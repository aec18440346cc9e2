"""Forms of the agent workspace and the contact form. Each action form carries a one-time request key, so a
double click or a resent form does the thing once."""

import secrets

from django import forms
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from advocate.core.reasons import ContactReason

from .models import Answer, CallbackOutcome, Channel, ConversationState, Queue

REASON_CHOICES = [("", _("Choose…")), *ContactReason.choices]


class _Once(forms.Form):
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request_key"].initial = secrets.token_urlsafe(16)


class ReplyForm(_Once):
    body = forms.CharField(label=_("Reply"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}))
    resolve = forms.BooleanField(label=_("This solves it: mark the conversation resolved"), required=False)
    reason = forms.ChoiceField(label=_("Why did they contact us?"), choices=REASON_CHOICES, required=False)
    answer_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The last message on the page when it was loaded: a colleague's reply after it means "send anyway?" first.
    seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    anyway = forms.BooleanField(required=False)  # the "Send anyway" button, after that question


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Give it to"), queryset=None, required=False,
                                   empty_label=_("Nobody"))

    def __init__(self, *args, staff, people=None, **kwargs):
        """`people`: the staff already read for the page, so the choices cost no second query."""
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff
        if people is not None:
            self.fields["owner"].choices = [("", self.fields["owner"].empty_label),
                                            *((p.pk, p.get_short_name() or p.get_username()) for p in people)]
        self.fields["owner"].label_from_instance = lambda user: user.get_short_name() or user.get_username()


class MoneyForm(_Once):
    order_id = forms.CharField(widget=forms.HiddenInput, max_length=64)
    amount = forms.DecimalField(label=_("Amount"), min_value=0.01, max_digits=12, decimal_places=2)
    reason = forms.CharField(label=_("What for"), max_length=200, required=False)


class FixForm(_Once):
    order_id = forms.CharField(widget=forms.HiddenInput, max_length=64)


class EscalateForm(forms.Form):
    queue = forms.ChoiceField(label=_("Hand to"),
                              choices=[(v, label) for v, label in Queue.choices if v != Queue.GENERAL])
    reason = forms.CharField(label=_("Why"), max_length=500)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=500)


class ContactForm(_Once):
    order = forms.ChoiceField(label=_("Which order is it about?"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Your message"), max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}))

    def __init__(self, *args, orders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].choices = [("", _("None in particular"))] + [
            (order.external_id, f"{order.external_id} · {order.placed_at:%Y-%m-%d}") for order in orders]


class ResolveForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why did they contact us?"), choices=REASON_CHOICES, required=False)


class AnswerForm(forms.ModelForm):
    class Meta:
        model = Answer
        fields = ["title", "body", "language", "family", "reason"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10, "dir": "auto"}), "language": forms.Select}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].widget.choices = settings.LANGUAGES
        self.fields["reason"].choices = REASON_CHOICES


class SurveyForm(forms.Form):
    solved = forms.TypedChoiceField(label=_("Did we solve your problem?"), widget=forms.RadioSelect,
                                    choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda v: v == "yes")
    effort = forms.TypedChoiceField(
        label=_("How much effort did it take you?"), widget=forms.RadioSelect, required=False, coerce=int,
        empty_value=None, choices=[(1, _("Very little")), (2, _("Little")), (3, _("Some")), (4, _("A lot")),
                                   (5, _("A great deal"))])
    comment = forms.CharField(label=_("Anything you want to tell us? (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}))


class CallbackRequestForm(_Once):
    phone = forms.CharField(label=_("Phone number to call"), max_length=40,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "dir": "ltr"}))
    window = forms.ChoiceField(label=_("When suits you?"), widget=forms.RadioSelect)
    order = forms.ChoiceField(label=_("Which order is it about?"), required=False)
    topic = forms.CharField(label=_("What is it about? (optional)"), required=False, max_length=2000,
                            help_text=_("So the person who calls can prepare."),
                            widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}))

    def __init__(self, *args, windows=(), orders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.windows, self.fields["window"].choices = _window_choices(windows)
        self.fields["order"].choices = [("", _("None in particular"))] + [
            (order.external_id, f"{order.external_id} · {order.placed_at:%Y-%m-%d}") for order in orders]

    def chosen_window(self):
        return self.windows[self.cleaned_data["window"]]


class CallbackLogForm(forms.Form):
    outcome = forms.ChoiceField(label=_("What came of the call?"), widget=forms.RadioSelect,
                                choices=CallbackOutcome.choices)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}))


class DutyForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Who"), queryset=None)
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=200)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = staff


class _Files(forms.ClearableFileInput):
    allow_multiple_selected = True


class _FilesField(forms.FileField):
    """Several files in one input: each checked as FileField checks one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", _Files(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class CustomerMessageForm(_Once):
    """The customer adds to their conversation from "My requests"."""

    body = forms.CharField(label=_("Your message"), max_length=20000, required=False,
                           widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}))
    attachments = _FilesField(label=_("Attach photos or documents (optional)"), required=False,
                              help_text=_("Up to 5 files of 10 MB each: photos, PDF or plain text."))

    def __init__(self, *args, max_files: int, max_bytes: int, accept: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_files, self.max_bytes = max_files, max_bytes
        self.fields["attachments"].widget.attrs["accept"] = accept

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > self.max_files:
            raise forms.ValidationError(_("Attach at most %(count)s files.") % {"count": self.max_files})
        for upload in files:
            if upload.size > self.max_bytes:  # checked before reading it into memory
                raise forms.ValidationError(_("%(name)s is larger than %(size)s MB.") % {
                    "name": upload.name, "size": self.max_bytes // (1024 * 1024)})
        return files

    def clean(self):
        data = super().clean()
        if not (data.get("body") or "").strip() and not data.get("attachments"):
            self.add_error("body", _("Write your message."))
        return data

    def files_read(self) -> list[tuple[str, bytes]]:
        return [(upload.name, upload.read()) for upload in self.cleaned_data["attachments"]]


def _window_choices(windows) -> tuple[dict, list]:
    """Callback windows by key, and as choices a person reads in their time zone ("Tue 9 Dec, 14:00–16:00")."""
    keyed = {w.start.isoformat(): w for w in windows}
    return keyed, [(key, f"{formats.date_format(timezone.localtime(w.start), 'D j M')}, "
                         f"{timezone.localtime(w.start):%H:%M}–{timezone.localtime(w.end):%H:%M}")
                   for key, w in keyed.items()]


class CallbackMoveForm(forms.Form):
    window = forms.ChoiceField(label=_("Another time"))

    def __init__(self, *args, windows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.windows, self.fields["window"].choices = _window_choices(windows)

    def chosen_window(self):
        return self.windows[self.cleaned_data["window"]]


class SearchForm(forms.Form):
    """The search page's question and filters, read from the query string; an invalid filter is ignored."""

    q = forms.CharField(label=_("Search conversations"), max_length=200, required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    queue = forms.ChoiceField(label=_("Queue"), required=False)
    owner = forms.ChoiceField(label=_("Who has it"), required=False)
    language = forms.CharField(label=_("Language"), max_length=12, required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    since = forms.DateField(label=_("Active from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Active until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        anything = ("", _("Any"))
        self.fields["state"].choices = [anything, *ConversationState.choices]
        self.fields["queue"].choices = [anything, *Queue.choices]
        self.fields["channel"].choices = [anything, *Channel.choices]
        self.fields["reason"].choices = [anything, *ContactReason.choices]
        self.fields["owner"].choices = [("", _("Anyone")), ("me", _("Me")), ("nobody", _("Nobody")),
                                        *((str(p.pk), p.get_short_name() or p.get_username()) for p in people)]
        self.people = {str(p.pk): p for p in people}

    def filters(self, user) -> dict:
        """The valid filters as the selector's arguments; any field that did not validate is left out."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}
        owner = data.pop("owner", "")
        query = data.pop("q", "")
        filters = {"query": query, **data}
        if owner == "nobody":
            filters["nobody"] = True
        elif owner == "me":
            filters["owner"] = user
        elif owner in self.people:
            filters["owner"] = self.people[owner]
        return filters
