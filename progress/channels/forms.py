"""The channel form: kind (when adding), name, e-mail addresses, webhook, signing secret. The
webhook and the secret are never shown back: left empty on a change, the stored ones stay."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from progress.channels.models import Channel


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Channel.Kind.choices)
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("e.g. the group's name, so that you recognise it."),
    )
    addresses = forms.CharField(
        label=_("E-mail addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "E-mail only. Separated by commas; empty: the unit's reporters (the jurisdiction's "
            "supervisors) that have an address."
        ),
    )
    webhook = forms.CharField(
        label=_("Webhook address"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "Robots only: copy it from the group's robot settings. It is stored encrypted and "
            "never shown again; leave empty to keep the saved one."
        ),
    )
    secret = forms.CharField(
        label=_("Signing secret (DingTalk)"),
        max_length=200,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "DingTalk with 加签 only: the string starting with SEC. Stored encrypted, never shown "
            "again; leave empty to keep the saved one."
        ),
    )
    remove_secret = forms.BooleanField(label=_("Remove the saved secret"), required=False)
    enabled = forms.BooleanField(label=_("Send through this channel"), required=False, initial=True)

    def __init__(self, *args, channel: Channel | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        if channel is not None:
            del self.fields["kind"]  # a channel keeps its kind; remove it and add another
            if channel.kind != Channel.Kind.DINGTALK:
                del self.fields["secret"], self.fields["remove_secret"]
            if channel.kind == Channel.Kind.EMAIL:
                del self.fields["webhook"]
            else:
                del self.fields["addresses"]
        else:
            del self.fields["remove_secret"]
