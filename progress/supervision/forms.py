"""The forms of supervision: issue a notice, reply, decide, dismiss a flag."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from progress.supervision.models import Notice


class DateInput(forms.DateInput):
    input_type = "date"


class NoticeForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Notice.Level.choices)
    requirement = forms.CharField(
        label=_("Requirement (要求)"), widget=forms.Textarea(attrs={"rows": 4})
    )
    reply_due = forms.DateField(label=_("Reply deadline"), widget=DateInput)


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Measures taken"), widget=forms.Textarea(attrs={"rows": 5}))
    expected_completion = forms.DateField(label=_("Expected completion"), widget=DateInput)


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("accept", _("Accept")), ("return", _("Send back"))])
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reply_due = forms.DateField(label=_("New reply deadline"), required=False, widget=DateInput)


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
