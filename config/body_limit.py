"""The request body is capped for every view, before anything reads it.

DATA_UPLOAD_MAX_MEMORY_SIZE bounds only the form fields Django keeps in memory: the file parts
of a multipart body are streamed to disk whatever their size, so without this a 200 MB POST to
the login page would be written out before the CSRF check refused it. Here CONTENT_LENGTH is
compared, in process_view (before CsrfViewMiddleware reads the form), with the cap of the view:
REQUEST_MAX_BYTES for every page, a larger one for the two pages that take files. Django reads
no more than CONTENT_LENGTH bytes of the body (a body without one is read as empty), so the
declared length is the bound. Over the cap: the 413 page of config.errors.

gunicorn bounds the request line and headers (gunicorn.conf.py); the proxy in front should cap
the body too (nginx client_max_body_size, README "Limits").
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

FORM_MARGIN = 1024 * 1024  # the other fields and the multipart framing beside the files

# url name -> its cap, read from the settings at each request (every other view:
# REQUEST_MAX_BYTES)
BODY_CAPS: dict[str, Callable[[], int]] = {
    # the file, or the pasted text (the page's own messages say which limit was hit)
    "importers:upload": lambda: (
        max(settings.IMPORT_MAX_UPLOAD_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE) + FORM_MARGIN
    ),
    # the attachments of one save (the form says when they are over)
    "reporting:report_edit": lambda: settings.ATTACHMENT_REQUEST_MAX_BYTES + FORM_MARGIN,
}


def body_cap(url_name: str | None) -> int:
    cap = BODY_CAPS.get(url_name or "")
    return cap() if cap is not None else settings.REQUEST_MAX_BYTES


def declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        size = declared_length(request)
        if not size:
            return None
        match = request.resolver_match
        if size > body_cap(match.view_name if match else None):
            from config.errors import request_too_large

            return request_too_large(request, size)
        return None
