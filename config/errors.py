"""Error pages, in the site's own layout and language, each with a way back.

- 400: a parameter a page cannot read (progress.params.BadParameter) shows its message.
  A request body over DATA_UPLOAD_MAX_MEMORY_SIZE (a very long pasted table) is refused by
  Django before any view or form sees it (the CSRF check reads the form first): here it is a
  413 page that says what was too large and, on the import page, what to do instead.
- 403, 404: the page of base.html; a 404 raised with a message of ours (params.NotFound)
  shows it, Django's own (English, technical) messages are not shown.
- CSRF failure: a 403 that says the form was out of date, with the way back.
- 500: templates/500.html is rendered without a request (Django's server_error), so it is a
  plain page that needs no context, no database and no session, and still looks like the site.
"""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from progress import params
from progress.formatting import size_text


def _back(request: HttpRequest) -> str | None:
    """The page the user came from, when it is a page of this site and not this one."""
    referer = request.META.get("HTTP_REFERER", "")
    safe = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if safe and referer != request.build_absolute_uri() else None


def _error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "message": message, "back": _back(request)},
        status=status,
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return request_too_large(request, int(request.META.get("CONTENT_LENGTH") or 0))
    message = str(exception) if isinstance(exception, params.BadParameter) else ""
    return _error_page(
        request,
        400,
        _("The request cannot be read"),
        message or _("The address or the form holds something this page cannot read."),
    )


def request_too_large(request: HttpRequest, size: int) -> HttpResponse:
    from importers.forms import paste_too_large

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


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_page(
        request,
        403,
        _("Not allowed"),
        _("Your account may not open this page. If you need it, ask the administrator."),
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    message = str(exception) if isinstance(exception, params.NotFound) else ""
    return _error_page(
        request,
        404,
        _("Page not found"),
        message or _("There is no page at this address, or it is not open to you."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error_page(
        request,
        403,
        _("The form has expired"),
        _(
            "The form was sent from a page that is out of date (or your browser refuses "
            "cookies). Go back, reload the page and send the form again."
        ),
    )
