"""Forms for account actions and appeals. Every field of the statement of reasons is required."""

from django import forms
from django.utils.translation import gettext_lazy as _

from advocate.commerce.models import Customer, Seller
from advocate.commerce.selectors import customer_by_email

from .models import ActionKind


class ActionForm(forms.Form):
    seller = forms.ModelChoiceField(label=_("Seller"), queryset=Seller.objects.filter(is_platform=False),
                                    required=False)
    customer = forms.CharField(label=_("Or customer (email or customer id)"), max_length=254, required=False)
    kind = forms.ChoiceField(label=_("Action"), choices=ActionKind.choices)
    scope = forms.CharField(label=_("What it covers"), max_length=300)
    facts = forms.CharField(label=_("The facts behind it"), widget=forms.Textarea(attrs={"rows": 5}))
    rule = forms.CharField(label=_("The rule or term it rests on"), max_length=300)
    effective_at = forms.DateTimeField(label=_("Takes effect (empty: now)"), required=False,
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Ends (empty: until lifted)"), required=False,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def clean(self):
        data = super().clean()
        customer = (data.get("customer") or "").strip()
        if customer:
            data["customer"] = (Customer.objects.filter(external_id=customer).first()
                                or customer_by_email(customer))
            if data["customer"] is None:
                self.add_error("customer", _("No customer with that email or id."))
        else:
            data["customer"] = None
        if bool(data.get("seller")) == bool(data.get("customer")):
            raise forms.ValidationError(_("Choose one seller, or name one customer."))
        return data


class AppealForm(forms.Form):
    statement = forms.CharField(label=_("Why should the decision change?"), max_length=8000,
                                widget=forms.Textarea(attrs={"rows": 5}))
    plan = forms.CharField(label=_("Your plan of action (optional)"), max_length=8000, required=False,
                           help_text=_("What you have changed, or will change, so it does not happen again."),
                           widget=forms.Textarea(attrs={"rows": 5}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("reverse", _("Reverse the action")), ("uphold", _("Uphold it"))])
    reasons = forms.CharField(label=_("Reasons (the person who appealed receives them)"),
                              widget=forms.Textarea(attrs={"rows": 5}))


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Why it is lifted"), max_length=2000)


class PullListingForm(forms.Form):
    seller = forms.ModelChoiceField(label=_("Seller"), queryset=Seller.objects.all())
    sku = forms.CharField(label=_("Product SKU"), max_length=64)
    facts = forms.CharField(label=_("What customers keep reporting"), widget=forms.Textarea(attrs={"rows": 4}))
