"""
Record Id checksums against Ids Salesforce itself produced or documented, not against our code.

Each pair is a 15-character Id and the 18-character form Salesforce returned or published:

* ``001D000000IRFma`` / ``001D000000IRFmaIAH``: the worked example of the 15 to 18 conversion
  (docs/salesforce-wire.md, section 12).
* ``003A000000wJICk`` / ``003A000000wJICkIAO`` and ``001A000000w1KuK`` / ``001A000000w1KuKIAU``:
  a Contact and its Account as a real org answered them, recorded in django-salesforce's test
  suite (a query response with ``attributes.url``). Both have an upper-case ``A`` in their first
  block, so a checksum that treats ``A`` as lower case gets them wrong.
* ``70130000001tcyI`` / ``70130000001tcyIAAQ`` (a Campaign), ``00558000001N0Ke`` /
  ``00558000001N0KeAAK`` (a User), ``003G000001SUbc4`` / ``003G000001SUbc4IAD`` (a Contact),
  ``0019000000B98de`` / ``0019000000B98deAAB`` (an Account): pairs published in the READMEs of
  public Id converters (rubydoc salesforce_id_formatter, PyPI salesforce_id_converter, the
  salesforce_id gem) and a Salesforce blog, each checked by hand against the documented rule.
"""

from __future__ import annotations

import pytest

from sf_toolkit.exceptions import InvalidIdError
from sf_toolkit.ids import is_valid_id, to_id18, validate_id

KNOWN_IDS = [
    ("001D000000IRFma", "001D000000IRFmaIAH"),
    ("003A000000wJICk", "003A000000wJICkIAO"),
    ("001A000000w1KuK", "001A000000w1KuKIAU"),
    ("70130000001tcyI", "70130000001tcyIAAQ"),
    ("00558000001N0Ke", "00558000001N0KeAAK"),
    ("003G000001SUbc4", "003G000001SUbc4IAD"),
    ("0019000000B98de", "0019000000B98deAAB"),
]


@pytest.mark.parametrize(("id15", "id18"), KNOWN_IDS)
def test_known_ids_convert_to_their_salesforce_18_character_form(id15: str, id18: str) -> None:
    """The 18-character form of each published Id is exactly the one Salesforce gives."""
    assert to_id18(id15) == id18
    assert validate_id(id15) == id18
    assert validate_id(id18) == id18


@pytest.mark.parametrize(("id15", "id18"), KNOWN_IDS)
def test_known_ids_are_valid_and_a_wrong_suffix_is_not(id15: str, id18: str) -> None:
    """Each published Id validates; the same Id with a different suffix does not."""
    assert is_valid_id(id15)
    assert is_valid_id(id18)
    wrong = id18[:15] + ("B" if id18[15] == "A" else "A") + id18[16:]
    assert not is_valid_id(wrong)
    with pytest.raises(InvalidIdError, match="valid checksum"):
        validate_id(wrong)


def test_case_matters_in_the_15_character_form() -> None:
    """Two 15-character Ids differing only in case have different 18-character forms."""
    assert to_id18("50130000000014c") != to_id18("50130000000014C")
    assert to_id18("50130000000014c")[:15] == "50130000000014c"
