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


def chinese_ordinal(n: int) -> str:
    """1 -> 一, 12 -> 十二, 20 -> 二十, 105 -> 一百零五: the 一、二、 of category headings."""
    digits = "零一二三四五六七八九"
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += digits[hundreds % 10] + "百"
        if tens == 0 and ones:
            return out + "零" + digits[ones]
    if tens:
        out += ("" if tens == 1 and not hundreds else digits[tens]) + "十"
    if ones:
        out += digits[ones]
    return out or digits[0]
