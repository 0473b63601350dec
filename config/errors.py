"""Error pages Django renders itself, in the site's language.

A request body over DATA_UPLOAD_MAX_MEMORY_SIZE (a very long pasted table) is refused by
Django before any view or form sees it (the CSRF check reads the form first), as a 400 with an
English one-liner; here it is a 413 page in the user's language that says what was too large
and, on the import page, what to do instead.
"""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import defaults


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not isinstance(exception, RequestDataTooBig):
        return defaults.bad_request(request, exception)
    from importers.forms import paste_too_large
    from importers.safety import size_text

    size = int(request.META.get("CONTENT_LENGTH") or 0)
    upload = reverse("importers:upload")
    if request.path == upload:
        message = paste_too_large(size)
    else:
        message = _("What was sent is too large: %(size)s.") % {"size": size_text(size)}
    return render(
        request,
        "request_too_large.html",
        {"message": message, "back": upload if request.path == upload else None},
        status=413,
    )
