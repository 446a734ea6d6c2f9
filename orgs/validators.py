import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def org_number_check_digit(first_eight: str) -> int | None:
    """The MOD11 check digit of a Norwegian organisation number, or None when no digit fits."""
    remainder = sum(int(d) * w for d, w in zip(first_eight, _WEIGHTS, strict=True)) % 11
    check = (11 - remainder) % 11
    return None if check == 10 else check


def normalize_org_number(value: str) -> str:
    """An organisation number as the register keeps it, nine digits, from how people write it: "974 760 673"
    (with ordinary or no-break spaces, as copied from a web page), "974.760.673", or "NO 974 760 673 MVA" as
    on an invoice."""
    number = re.sub(r"[\s.\u00a0\u202f]+", "", value or "").upper()
    if number.startswith("NO"):
        number = number[2:]
    return number.removesuffix("MVA")


def validate_org_number(value: str) -> None:
    digits = normalize_org_number(value)
    if len(digits) != 9 or not digits.isdigit():
        raise ValidationError(
            _("An organisation number has exactly nine digits, for example 974 760 673."), code="format"
        )
    if org_number_check_digit(digits[:8]) != int(digits[8]):
        raise ValidationError(
            _("%(value)s is not a valid organisation number: the check digit does not match. Check for a typo."),
            code="check_digit",
            params={"value": value},
        )
