"""Forms for messages. The message form carries a one-time request key, so a double click or a resent form
sends one message."""

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FlagReason
from .rules import MAX_LENGTH


class MessageForm(forms.Form):
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    text = forms.CharField(label=_("Your message"), max_length=MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}))

    def __init__(self, *args, help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request_key"].initial = secrets.token_urlsafe(16)
        self.fields["text"].help_text = help_text


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong with it?"), choices=FlagReason.choices,
                               widget=forms.RadioSelect)
    note = forms.CharField(label=_("Anything to add? (optional)"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}))


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("What you found or did"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}))


class PreferenceForm(forms.Form):
    accepts_unsolicited = forms.BooleanField(
        label=_("Sellers may write to me first about my orders"), required=False,
        help_text=_("Off: a seller can only answer when you have written to them about an order. Messages about "
                    "your own questions always reach you."))
