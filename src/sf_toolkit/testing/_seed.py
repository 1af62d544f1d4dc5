"""
Deterministic sample data: Accounts with external ids, their Contacts and a few Attachments.

The same ``records`` and ``seed`` always give the same field values and the same Ids.
"""

from __future__ import annotations

import base64
import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._org import FakeOrg

__all__ = ["ATTACHMENTS", "populate"]

#: How many of the first Accounts get an Attachment.
ATTACHMENTS = 3

_PREFIXES = ("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Tyrell")
_SUFFIXES = ("Corp", "Industries", "Labs", "Holdings", "Systems", "Partners", "Group")
_CITIES = ("Paris", "Berlin", "Austin", "Osaka", "Lagos", "Lima", "Oslo", "Perth")
_INDUSTRIES = ("Banking", "Energy", "Retail", "Technology", "Healthcare", "Media")
_TYPES = ("Prospect", "Customer - Direct", "Customer - Channel", "Other")
_FIRST = ("Ann", "Bo", "Chen", "Dina", "Emil", "Fatou", "Gus", "Hana", "Ivo", "Jun")
_LAST = ("Smith", "Garcia", "Okafor", "Tanaka", "Novak", "Silva", "Berg", "Khan")


def populate(org: FakeOrg, records: int, seed: int) -> None:
    """Insert ``records`` Accounts, two Contacts each, and Attachments on the first few."""
    rng = random.Random(f"seed-{seed}")
    for number in range(1, records + 1):
        account_id = org.insert(
            "Account",
            {
                "Name": f"{rng.choice(_PREFIXES)} {rng.choice(_SUFFIXES)} {number}",
                "External_ID__c": f"EXT-{number:05d}",
                "Industry": rng.choice(_INDUSTRIES),
                "Type": rng.choice(_TYPES),
                "AnnualRevenue": float(rng.randrange(10, 5000) * 1000),
                "NumberOfEmployees": rng.randrange(1, 20000),
                "BillingCity": rng.choice(_CITIES),
            },
        )
        for _ in range(2):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            org.insert(
                "Contact",
                {
                    "AccountId": account_id,
                    "FirstName": first,
                    "LastName": last,
                    "Email": f"{first}.{last}.{number}@example.com".lower(),
                },
            )
        if number <= ATTACHMENTS:
            body = f"Notes for account EXT-{number:05d}\n".encode() * (number * 10)
            org.insert(
                "Attachment",
                {
                    "ParentId": account_id,
                    "Name": f"notes-{number}.txt",
                    "ContentType": "text/plain",
                    "Body": base64.b64encode(body).decode(),
                },
            )
