"""The public pages, /public/: the published tables, without a login."""
