"""The report form: built for one order and one kind of problem, from what the rules say is possible."""

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from . import presenters, rules
from .models import PolicyLayer
from .photos import MAX_BYTES

REMEDY_LABELS = {rules.Remedy.REFUND: _("My money back"), rules.Remedy.REPLACEMENT: _("Send a replacement")}


class ReportForm(forms.Form):
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    comment = forms.CharField(
        label=_("Anything we should know? (optional)"), required=False, max_length=2000,
        help_text=_("The seller may read this, so please leave out your address, email and phone number."),
        widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, problem: rules.Problem, facts: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.problem = problem
        self.fields["request_key"].initial = secrets.token_urlsafe(16)
        if problem in rules.REASONS:
            self.fields["reason"] = forms.ChoiceField(
                label=_("What happened?"), widget=forms.RadioSelect,
                choices=[(r, presenters.REASON_LABELS[r]) for r in rules.REASONS[problem]])
        self.line_fields = []
        if problem in rules.ITEM_PROBLEMS:
            lines = facts["lines"]
            for line, open_quantity in lines:
                name = f"line_{line.id}"
                choices = [(n, str(n)) for n in range(open_quantity + 1)]
                only_one = len(lines) == 1
                self.fields[name] = forms.TypedChoiceField(
                    label=line.title, choices=choices, coerce=int, initial=open_quantity if only_one else 0)
                self.line_fields.append((name, line))
        remedies = facts["option"].remedies
        if len(remedies) > 1:
            self.fields["remedy"] = forms.ChoiceField(
                label=_("What would you like?"), widget=forms.RadioSelect, initial=rules.Remedy.REFUND,
                choices=[(r.value, REMEDY_LABELS[r]) for r in remedies])
        # Whether a photo is needed depends on the items chosen (their categories' policies): the decision
        # says so if it is missing. A photo helps with damage and wrong items in any case.
        if facts["photo_asked"] or problem in (rules.Problem.DAMAGED, rules.Problem.NOT_AS_DESCRIBED):
            self.fields["photo"] = forms.FileField(
                label=_("A photo of the problem") if facts["photo_asked"] else _("A photo (optional)"),
                required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
        self.order_fields(["reason", *[name for name, _ in self.line_fields], "remedy", "photo", "comment"])

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and photo.size > MAX_BYTES:  # checked before reading it into memory
            raise forms.ValidationError(presenters.INVALID_MESSAGES["too_large"])
        return photo

    def photos(self) -> list[bytes]:
        photo = self.cleaned_data.get("photo")
        return [photo.read()] if photo else []

    def items(self) -> list[tuple[int, int]]:
        return [(line.id, self.cleaned_data[name]) for name, line in self.line_fields if self.cleaned_data[name]]

    def clean(self):
        data = super().clean()
        if self.line_fields and not any(data.get(name) for name, _ in self.line_fields):
            raise forms.ValidationError(presenters.INVALID_MESSAGES["no_items"])
        return data


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Reasons (the customer or seller reads these)"), required=False,
                           max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class StatementForm(forms.Form):
    statement = forms.CharField(label=_("Your explanation"), max_length=4000,
                                widget=forms.Textarea(attrs={"rows": 4}))


class PolicyLayerForm(forms.ModelForm):
    """One layer of policy. Blank fields inherit from the more general layers (the marketplace's has all)."""

    photo_required_for = forms.MultipleChoiceField(
        label=_("Photo required for"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(p.value, presenters.PROBLEM_LABELS_SHORT[p]) for p in (
            rules.Problem.DAMAGED, rules.Problem.NOT_AS_DESCRIBED, rules.Problem.ITEM_MISSING,
            rules.Problem.NOT_RECEIVED)])
    photo_inherit = forms.BooleanField(label=_("Inherit the photo rule from the more general layer"),
                                       required=False)

    class Meta:
        model = PolicyLayer
        fields = ["seller", "category", "return_window_days", "change_of_mind_returns", "returnless_under",
                  "refund_on_first_scan", "auto_approve_up_to", "problem_window_days", "not_received_grace_days",
                  "seller_response_hours", "refund_at_once_under", "return_refund_days"]
        widgets = {
            "change_of_mind_returns": forms.NullBooleanSelect,
            "refund_on_first_scan": forms.NullBooleanSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        is_default = instance.pk and instance.seller_id is None and instance.category == ""
        if instance.pk:
            # Where a layer applies is fixed once made; make a new layer for another scope.
            del self.fields["seller"], self.fields["category"]
            self.fields["photo_required_for"].initial = instance.photo_required_for or []
            self.fields["photo_inherit"].initial = instance.photo_required_for is None
        if is_default:
            del self.fields["photo_inherit"]
            for field in self.fields.values():
                field.required = not isinstance(field, forms.MultipleChoiceField)
        self.is_default = is_default

    def clean(self):
        data = super().clean()
        if not self.instance.pk and self._meta.model.objects.filter(
                seller=data.get("seller"), category=data.get("category", "")).exists():
            raise forms.ValidationError(_("There is already a layer for this seller and category; edit that one."))
        return data

    def policy_values(self) -> dict:
        """What the layer sets, for `services.policy_layer_save`: where it applies (a new layer only) and its
        policy fields (None: inherited)."""
        data = self.cleaned_data
        values = {name: data[name] for name in self._meta.fields if name in self.fields and name in data}
        inherit = data.get("photo_inherit") and not self.is_default
        values["photo_required_for"] = None if inherit else sorted(data["photo_required_for"])
        return values
