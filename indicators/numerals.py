import roman


def to_roman(number: int) -> str:
    """Edition numbers are shown the way plans name themselves: 4 -> "IV"."""
    try:
        return roman.toRoman(number)
    except roman.RomanError:
        return str(number)
