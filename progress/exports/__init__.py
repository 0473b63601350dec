"""Exports and publishing, /exports/: the office's tables of a plan (monthly table, quarterly
ledger, yearly list) as files, and publishing them."""
