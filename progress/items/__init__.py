"""The items, /items/: the item list with its filters and .xlsx export, the item page, the unit
and leader pages."""
