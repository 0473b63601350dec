"""PDF: the ruled tables of a text PDF, read back into the same Tables as a .docx gives."""

from importers.pdf.reader import read_pdf

__all__ = ["read_pdf"]
