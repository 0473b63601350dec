"""How names are compared: pure functions, no ORM."""

import re

_LEVEL_PREFIX = re.compile(r"^[区市县]")
_SPACES = re.compile(r"\s+")


def unit_key(name: str) -> str:
    """The matching key of a unit name: 区教育局 and 教育局 are one unit inside a jurisdiction.

    Full-width brackets are folded to ASCII so 各区（市）政府 and 各区(市)政府 match.
    """
    name = _SPACES.sub("", name).replace("（", "(").replace("）", ")")
    stripped = _LEVEL_PREFIX.sub("", name)
    # Keep one-character remainders (区委 -> 委 would be too loose).
    return stripped if len(stripped) >= 2 else name
