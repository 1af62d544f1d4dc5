"""Describe metadata parsing and model source generation."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sf_toolkit.models import (
    Address,
    SObject,
    field_api_names,
    from_payload,
    generate_model_source,
    parse_describe,
    to_payload,
)
from sf_toolkit.models._describe import FieldDescription, PicklistValue, SObjectDescription


def field(name: str, type_: str, **extra: Any) -> dict[str, Any]:
    """One describe field entry with Salesforce's keys."""
    return {
        "name": name,
        "label": name,
        "type": type_,
        "length": 0,
        "nillable": True,
        "createable": True,
        "updateable": True,
        "externalId": False,
        "referenceTo": [],
        "relationshipName": None,
        "picklistValues": [],
        **extra,
    }


GEN_ACCOUNT = {
    "name": "GenAccount__c",
    "label": 'Generated "Account" \\ with a label long enough to need cutting short, really long',
    "keyPrefix": "a01",
    "custom": True,
    "createable": True,
    "updateable": True,
    "deletable": True,
    "queryable": True,
    "fields": [
        field("Id", "id", createable=False, updateable=False),
        field("Name", "string", length=80),
        field(
            "Industry__c",
            "picklist",
            picklistValues=[
                {"value": "Tech", "label": "Technology", "active": True, "defaultValue": False}
            ],
        ),
        field("Colours__c", "multipicklist"),
        field("Revenue__c", "currency", precision=18, scale=2),
        field("Share__c", "percent"),
        field("Employees__c", "int"),
        field("Active__c", "boolean", nillable=False),
        field("Founded__c", "date"),
        field("Opens__c", "time"),
        field("CreatedDate", "datetime", createable=False, updateable=False),
        field("Score__c", "double", calculated=True, createable=False, updateable=False),
        field("BillingAddress", "address", createable=False, updateable=False),
        field("Ext__c", "string", externalId=True, unique=True, idLookup=True),
        field(
            "Parent__c",
            "reference",
            referenceTo=["GenAccount__c"],
            relationshipName="Parent__r",
        ),
        field("Photo__c", "base64"),
        field("Blob_Of_Any__c", "anyType"),
        field(
            "A_Field_With_A_Really_Long_API_Name_That_Goes_On__c",
            "datetime",
            createable=False,
            updateable=False,
        ),
    ],
    "childRelationships": [
        {"childSObject": "GenContact__c", "field": "Account__c", "relationshipName": "Contacts__r"}
    ],
    "urls": {},
}

GEN_ODD = {
    "name": "GenOdd__c",
    "label": "Odd",
    "fields": [field("Id", "id"), field("class", "string"), field("datetime", "datetime")],
}


def test_parse_describe_reads_object_metadata() -> None:
    """Object-level keys are read into SObjectDescription."""
    description = parse_describe(GEN_ACCOUNT)
    assert (description.name, description.key_prefix, description.custom) == (
        "GenAccount__c",
        "a01",
        True,
    )
    assert description.child_relationships[0].relationship_name == "Contacts__r"


def test_parse_describe_reads_field_metadata() -> None:
    """Field keys, including picklist values and references, are typed."""
    description = parse_describe(GEN_ACCOUNT)
    industry = description.field("industry__C")
    assert industry is not None
    assert industry.picklist_values == (
        PicklistValue(value="Tech", label="Technology", active=True, default=False),
    )
    ext = description.field("Ext__c")
    assert ext is not None
    assert (ext.external_id, ext.unique, ext.id_lookup) == (True, True, True)
    parent = description.field("Parent__c")
    assert parent == FieldDescription(
        name="Parent__c",
        label="Parent__c",
        type="reference",
        length=0,
        reference_to=("GenAccount__c",),
        relationship_name="Parent__r",
    )


def test_read_only_follows_createable_updateable_and_calculated() -> None:
    """A field is read-only when calculated or neither createable nor updateable."""
    description = parse_describe(GEN_ACCOUNT)
    assert [f.name for f in description.fields if f.read_only] == [
        "Id",
        "CreatedDate",
        "Score__c",
        "BillingAddress",
        "A_Field_With_A_Really_Long_API_Name_That_Goes_On__c",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"fields": []}, "'name'"),
        ({"name": "X", "fields": [{"type": "string"}]}, "field #0 of 'X' has no 'name'"),
        ({"name": "X", "fields": [{"name": "F"}]}, "field 'F' has no 'type'"),
        ({"name": "X", "fields": "nope"}, "malformed 'fields'"),
    ],
)
def test_parse_describe_names_what_is_missing(data: dict[str, Any], message: str) -> None:
    """Malformed describe data raises ValueError saying where."""
    with pytest.raises(ValueError, match=message):
        parse_describe(data)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The generated module, written to disk and imported."""
    source = generate_model_source([parse_describe(GEN_ACCOUNT), parse_describe(GEN_ODD)])
    path = tmp_path_factory.mktemp("gen") / "generated_models.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("generated_models", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generated_models"] = module
    spec.loader.exec_module(module)
    return path, module


def test_generated_source_is_ruff_clean(generated: tuple[Path, Any]) -> None:
    """The generated module passes ruff check and is already ruff-formatted."""
    path, _ = generated
    config = Path(__file__).parents[3] / "pyproject.toml"
    check = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--config", config, "--no-cache", path],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout
    fmt = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--config", config, "--no-cache", "--diff", path],
        capture_output=True,
        text=True,
        check=False,
    )
    assert fmt.returncode == 0, fmt.stdout


def test_generated_models_have_the_described_fields(generated: tuple[Path, Any]) -> None:
    """Each described field becomes a model field, under its API name."""
    _, module = generated
    model = module.GenAccount__c
    assert issubclass(model, SObject)
    fields: list[dict[str, Any]] = GEN_ACCOUNT["fields"]  # type: ignore[assignment]
    assert field_api_names(model) == ["Id", *(f["name"] for f in fields if f["name"] != "Id")]


def test_generated_models_load_and_write_typed_values(generated: tuple[Path, Any]) -> None:
    """Generated field types convert values and keep read-only fields out of payloads."""
    _, module = generated
    record = from_payload(
        {
            "Name": "n",
            "Revenue__c": 10.5,
            "CreatedDate": "2024-01-31T12:34:56.000+0000",
            "Score__c": 3.0,
            "BillingAddress": {"city": "Paris"},
            "Parent__r": {"attributes": {"type": "GenAccount__c"}, "Name": "p"},
        },
        module.GenAccount__c,
    )
    assert record.Revenue__c == Decimal("10.5")
    assert isinstance(record.CreatedDate, datetime)
    assert record.BillingAddress == Address(city="Paris")
    assert isinstance(record.Parent__r, module.GenAccount__c)
    assert to_payload(record) == {"Name": "n", "Revenue__c": 10.5}


def test_awkward_names_get_safe_attributes(generated: tuple[Path, Any]) -> None:
    """Keywords and reserved names become attributes mapped to the original API names."""
    _, module = generated
    record = from_payload({"class": "c", "attributes": {"type": "GenOdd__c"}}, module.GenOdd__c)
    assert record.class_x == "c"
    assert field_api_names(module.GenOdd__c) == ["Id", "class", "datetime"]


def test_generate_needs_descriptions() -> None:
    """Passing raw dicts instead of parsed descriptions is a TypeError."""
    with pytest.raises(TypeError, match="SObjectDescription"):
        generate_model_source([GEN_ODD])  # type: ignore[list-item]


def test_class_name_is_made_safe() -> None:
    """An sObject name that is not an identifier still yields a class with api_name=."""
    source = generate_model_source([SObjectDescription(name="odd", label="x")])
    assert 'class Odd(models.SObject, api_name="odd"):' in source
    namespace: dict[str, Any] = {}
    exec(compile(source, "<generated>", "exec"), namespace)
    assert namespace["Odd"]._sf_api_name == "odd"
