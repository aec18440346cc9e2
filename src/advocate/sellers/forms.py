from django import forms
from django.utils.translation import gettext_lazy as _

from .models import HealthTarget


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(label=_("How was the seller?"), widget=forms.RadioSelect, coerce=int,
                                   choices=[(5, "★★★★★"), (4, "★★★★"), (3, "★★★"), (2, "★★"), (1, "★")])
    comment = forms.CharField(label=_("A few words (optional)"), required=False, max_length=2000,
                              help_text=_("The seller reads this. Please leave out your address, email and phone."),
                              widget=forms.Textarea(attrs={"rows": 3}))


class TargetForm(forms.ModelForm):
    class Meta:
        model = HealthTarget
        fields = ["window_days", "limit"]
