"""The upload form: a file or pasted text, and the options that the title may not say."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from importers.readers import EXTENSIONS as ALLOWED_EXTENSIONS
from importers.readers import unsupported_type
from importers.safety import size_text, too_large_message

PASTED_FILENAME = "pasted.tsv"


def paste_too_large(size: int) -> str:
    """The message for pasted text over the import limit (also when the request carrying it is
    over Django's limit, before any form sees it: config.errors)."""
    return _(
        "The pasted text is too large: %(size)s; the limit is %(limit)s. Save the table "
        "as an .xlsx or .csv file and upload the file instead."
    ) % {"size": size_text(size), "limit": size_text(settings.IMPORT_MAX_UPLOAD_BYTES)}


class OptionsForm(forms.Form):
    """What the title of a list may not say: on the upload form, and again on the preview of a
    file that needs them (without uploading it again)."""

    jurisdiction = forms.CharField(
        label=_("Jurisdiction"),
        required=False,
        max_length=50,
        help_text=_("Needed when the title of the list does not name it, e.g. 北仑区."),
        widget=forms.TextInput(attrs={"list": "jurisdiction-names", "autocomplete": "off"}),
    )
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("Needed when the title does not say it."),
    )
    period = forms.CharField(
        label=_("Reporting period"),
        required=False,
        max_length=7,
        validators=[
            RegexValidator(
                r"^\d{4}-(0[1-9]|1[0-2])$", _("Enter the period as YYYY-MM, e.g. 2024-10.")
            )
        ],
        help_text=_("For a progress table: the month reported on, as YYYY-MM."),
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM"}),
    )


class UploadForm(OptionsForm):
    field_order = ["file", "text", "jurisdiction", "year", "period"]

    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_(
            "An Excel (.xlsx, .xls), OpenDocument (.ods), Word (.docx, .doc), PDF or text (.csv, "
            ".tsv, .txt) file with the list as a table. A PDF must hold text (not a scan) and a "
            "table with ruled lines."
        ),
        error_messages={"empty": _("The file is empty.")},
        widget=forms.FileInput(attrs={"accept": ",".join(ALLOWED_EXTENSIONS)}),
    )
    text = forms.CharField(
        label=_("Or paste the table"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Copy the rows from Excel, header row included; columns are separated by tabs."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return upload
        ext = PurePath(upload.name).suffix.lower()
        if ext not in ALLOWED_EXTENSIONS:
            raise forms.ValidationError(str(unsupported_type(ext)), code="extension")
        self._check_size(upload.size)
        return upload

    def clean_text(self):
        text = self.cleaned_data.get("text", "")
        if not text.strip():
            return ""
        size = len(text.encode("utf-8"))
        if size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(paste_too_large(size), code="too_large")
        return text

    def _check_size(self, size: int) -> None:
        if size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(too_large_message(size), code="too_large")

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        text = cleaned.get("text")
        if self.errors.get("file") or self.errors.get("text"):
            return cleaned
        if upload and text:
            raise forms.ValidationError(_("Upload a file or paste a table, not both."), code="both")
        if not upload and not text:
            raise forms.ValidationError(
                _("Choose a file to upload or paste a table."), code="neither"
            )
        if upload:
            cleaned["data"] = b"".join(upload.chunks())
            cleaned["filename"] = PurePath(upload.name).name
            if not cleaned["data"]:
                self.add_error("file", forms.ValidationError(_("The file is empty."), code="empty"))
        else:
            cleaned["data"] = text.encode("utf-8")
            cleaned["filename"] = PASTED_FILENAME
        return cleaned
