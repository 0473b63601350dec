"""The channel pages: the targets a user manages (index), one unit's or jurisdiction's
channels (add, change, test, remove) and the latest messages sent through them.

Access: anonymous users go to the login page; anyone who is not a supervisor or an admin
(reporters included, even for their own unit) gets 403; a supervisor asking for a unit, a
jurisdiction or a channel of another jurisdiction gets 404; admins manage everything.
Queries: the index is 5 whatever the number of units (jurisdictions and units with their
counts, the failing channels); a target's page about 8.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from progress import access
from progress.channels import selectors, services
from progress.channels.forms import ChannelForm
from progress.channels.models import Channel
from projects import roles
from projects.models import Jurisdiction, Unit

# --- access -----------------------------------------------------------------------------------


def _manager(request: HttpRequest):
    """Supervisors and admins; everybody else 403."""
    return access.supervisor(request)


def _check_place(user, jurisdiction_id: int | None) -> None:
    if roles.is_admin(user):
        return
    if jurisdiction_id is None or jurisdiction_id != user.jurisdiction_id:
        raise Http404


def channel_for(request: HttpRequest, pk: int) -> Channel:
    """A channel of a unit or jurisdiction the user manages: 403 to non-supervisors, 404 to
    other jurisdictions' supervisors."""
    user = _manager(request)
    channel = get_object_or_404(
        Channel.objects.select_related("unit__jurisdiction", "jurisdiction"), pk=pk
    )
    _check_place(user, channel.unit.jurisdiction_id if channel.unit_id else channel.jurisdiction_id)
    return channel


def _target_url(channel: Channel) -> str:
    if channel.unit_id:
        return redirect("channels:unit", pk=channel.unit_id).url
    return redirect("channels:jurisdiction", pk=channel.jurisdiction_id).url


# --- pages ----------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    return render(
        request,
        "progress/channels/index.html",
        {
            "jurisdictions": selectors.jurisdictions_with_units(user),
            "failing": selectors.failing_channels(user),
        },
    )


@sensitive_post_parameters("webhook", "secret")  # never in an error report
@login_required
@require_http_methods(["GET", "POST"])
def unit_channels(request: HttpRequest, pk: int) -> HttpResponse:
    user = _manager(request)
    unit = get_object_or_404(Unit.objects.select_related("jurisdiction"), pk=pk)
    _check_place(user, unit.jurisdiction_id)
    return _target_page(request, user, unit=unit)


@sensitive_post_parameters("webhook", "secret")  # never in an error report
@login_required
@require_http_methods(["GET", "POST"])
def jurisdiction_channels(request: HttpRequest, pk: int) -> HttpResponse:
    user = _manager(request)
    jurisdiction = get_object_or_404(Jurisdiction, pk=pk)
    _check_place(user, jurisdiction.pk)
    return _target_page(request, user, jurisdiction=jurisdiction)


def _target_page(request, user, *, unit=None, jurisdiction=None) -> HttpResponse:
    """The channels of one target, and the form that adds one (POST)."""
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel = services.channel_create(
                user=user,
                unit=unit,
                jurisdiction=jurisdiction,
                kind=data["kind"],
                name=data["name"],
                addresses=data["addresses"],
                webhook=data["webhook"],
                secret=data["secret"],
                enabled=data["enabled"],
            )
        except services.ChannelError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Channel added: %(channel)s. Send a test message to see that it arrives.")
                % {"channel": channel},
            )
            return redirect(request.path)
    return render(
        request,
        "progress/channels/target.html",
        {
            "unit": unit,
            "jurisdiction": jurisdiction,
            "target": unit or jurisdiction,
            "place": unit.jurisdiction if unit else jurisdiction,
            "channels": selectors.target_channels(unit=unit, jurisdiction=jurisdiction),
            "recent": selectors.target_messages(unit=unit, jurisdiction=jurisdiction),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@sensitive_post_parameters("webhook", "secret")  # never in an error report
@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    channel = channel_for(request, pk)
    initial = {"name": channel.name, "addresses": channel.addresses, "enabled": channel.enabled}
    form = ChannelForm(request.POST or None, channel=channel, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.channel_update(
                channel=channel,
                name=data["name"],
                addresses=data.get("addresses", ""),
                webhook=data.get("webhook", ""),
                secret=data.get("secret", ""),
                remove_secret=data.get("remove_secret", False),
                enabled=data["enabled"],
            )
        except services.ChannelError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Channel saved: %(channel)s.") % {"channel": channel})
            return redirect(_target_url(channel))
    return render(
        request,
        "progress/channels/edit.html",
        {"channel": channel, "form": form, "back": _target_url(channel)},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def test(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a test message now; the robot's own answer, in words, on the page."""
    channel = channel_for(request, pk)
    record = services.channel_test(channel=channel)
    if record.outcome == record.Outcome.SENT:
        messages.success(
            request,
            _("Test message to %(channel)s arrived: %(answer)s")
            % {"channel": channel, "answer": record.answer},
        )
    else:
        messages.error(
            request,
            _("Test message to %(channel)s did not arrive: %(answer)s")
            % {"channel": channel, "answer": record.answer},
        )
    return redirect(_target_url(channel))


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    channel = channel_for(request, pk)
    back = _target_url(channel)
    name = str(channel)
    services.channel_delete(channel=channel)
    messages.success(request, _("Channel removed: %(channel)s.") % {"channel": name})
    return redirect(back)
