"""Declaring SObject models: API names, fields, registry, not-loaded values and validation."""

from __future__ import annotations

import pytest

from sf_toolkit.exceptions import InvalidIdError
from sf_toolkit.models import (
    NOT_LOADED,
    GenericRecord,
    SObject,
    api_name_of,
    check_record_type,
    connection_of,
    extra_fields,
    field_api_names,
    is_loaded,
    loaded_fields,
    sf_field,
    sobject_class,
)


class Widget__c(SObject):
    Name: str | None = None
    Size__c: int | None = None
    class_: str | None = sf_field(api_name="Class__c", default=None)
    Total__c: float | None = sf_field(default=None, read_only=True)


class Gadget(SObject, api_name="Gadget__c", connection="sandbox"):
    Name: str | None = None


class BigGadget(Gadget):
    Weight__c: float | None = None


def test_api_name_defaults_to_class_name() -> None:
    """A model without api_name= is named after its class."""
    assert api_name_of(Widget__c) == "Widget__c"


def test_api_name_keyword_and_record() -> None:
    """api_name= sets the sObject name, for the class and its records alike."""
    assert api_name_of(Gadget) == "Gadget__c"
    assert api_name_of(Gadget(Name="g")) == "Gadget__c"


def test_connection_is_bound_and_inherited() -> None:
    """connection= binds a connection name that subclasses inherit; the default is None."""
    assert connection_of(Gadget) == "sandbox"
    assert connection_of(BigGadget(Name="b")) == "sandbox"
    assert connection_of(Widget__c) is None


def test_registry_finds_class_case_insensitively() -> None:
    """The registry maps API names to the model class, ignoring case."""
    assert sobject_class("gadget__C") is Gadget
    assert sobject_class("No_Such_Thing__c") is None


def test_registry_last_definition_wins() -> None:
    """Redeclaring a model for the same API name replaces the registry entry."""

    class First(SObject, api_name="Redeclared__c"):
        pass

    class Second(SObject, api_name="Redeclared__c"):
        pass

    assert sobject_class("Redeclared__c") is Second


def test_generic_record_is_not_registered() -> None:
    """The generic fallback class is not a model of any sObject."""
    assert sobject_class("GenericRecord") is None


def test_field_api_names_puts_id_first_and_uses_api_names() -> None:
    """field_api_names lists Id first, then declared fields under their API names."""
    assert field_api_names(Widget__c) == ["Id", "Name", "Size__c", "Class__c", "Total__c"]


def test_subclass_inherits_fields() -> None:
    """A subclass of a model keeps the parent's fields before its own."""
    assert field_api_names(BigGadget) == ["Id", "Name", "Weight__c"]


def test_construction_is_keyword_only() -> None:
    """Models take keyword arguments only."""
    with pytest.raises(TypeError):
        Widget__c("name")  # type: ignore[call-arg]


def test_unpassed_field_reads_class_default_but_is_not_loaded() -> None:
    """A field left out of the constructor reads as its default and is not loaded."""
    widget = Widget__c(Name="w")
    assert widget.Size__c is None
    assert not is_loaded(widget, "Size__c")
    assert is_loaded(widget, "Name")


def test_field_set_to_none_is_loaded() -> None:
    """Passing None loads the field as null."""
    widget = Widget__c(Size__c=None)
    assert is_loaded(widget, "Size__c")
    assert loaded_fields(widget) == {"Size__c": None}


def test_required_field_without_default_must_be_passed() -> None:
    """A field declared without a default is a required constructor argument."""

    class Strict__c(SObject):
        Name: str

    with pytest.raises(TypeError):
        Strict__c()  # type: ignore[call-arg]


def test_not_loaded_required_field_read_raises() -> None:
    """Reading a required field a loaded record lacks names the field."""
    from sf_toolkit.models import from_payload

    class Strict2__c(SObject):
        Name: str

    record = from_payload({"Id": None}, Strict2__c)
    with pytest.raises(AttributeError, match=r"Strict2__c\.Name was not loaded"):
        _ = record.Name


def test_not_loaded_marker_repr() -> None:
    """The not-loaded marker shows as <not loaded>."""
    assert repr(NOT_LOADED) == "<not loaded>"


def test_unknown_attribute_assignment_is_refused() -> None:
    """Assigning an undeclared attribute on a typed model raises AttributeError naming it."""
    widget = Widget__c()
    with pytest.raises(AttributeError, match="Colour__c"):
        widget.Colour__c = "red"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("001D000000IRFma", "001D000000IRFmaIAH"),
        ("001D000000IRFmaIAH", "001D000000IRFmaIAH"),
        ("001D000000IRFmaiah", "001D000000IRFmaIAH"),
    ],
)
def test_id_is_normalised_to_18_characters(value: str, expected: str) -> None:
    """A valid Id is stored in its 18-character form."""
    assert Widget__c(Id=value).Id == expected


@pytest.mark.parametrize("value", ["invalid_id", "001/../../x", "001D000000IRFmaXXX", "", 15])
def test_invalid_id_is_refused_on_construction_and_assignment(value: object) -> None:
    """An invalid Id raises InvalidIdError whether passed or assigned."""
    with pytest.raises(InvalidIdError):
        Widget__c(Id=value)  # type: ignore[arg-type]
    widget = Widget__c()
    with pytest.raises(InvalidIdError):
        widget.Id = value  # type: ignore[assignment]


def test_id_may_be_none() -> None:
    """Id None is a record not yet inserted."""
    assert Widget__c(Id=None).Id is None


@pytest.mark.parametrize(
    "body",
    [
        "attributes: str | None = None",
        "_sf_thing: str | None = None",
        "items: list[str] = []",
        "from_: str | None = None",
    ],
)
def test_bad_declarations_are_refused(body: str) -> None:
    """Reserved names, shared mutable defaults and non-API names fail at class creation."""
    namespace: dict[str, object] = {"SObject": SObject}
    source = f"class Bad(SObject, api_name='Bad__c'):\n    {body}\n"
    with pytest.raises(TypeError):
        exec(source, namespace)


def test_duplicate_api_names_are_refused() -> None:
    """Two attributes mapped to one API name fail at class creation."""
    with pytest.raises(TypeError, match="share the API name"):

        class Twice(SObject):
            Name: str | None = None
            name_: str | None = sf_field(api_name="name", default=None)


@pytest.mark.parametrize("name", ["", "1abc", "Bad Name", "a-b"])
def test_invalid_api_names_are_refused(name: str) -> None:
    """api_name= and sf_field(api_name=) must look like Salesforce API names."""
    with pytest.raises(ValueError, match="API name"):
        sf_field(api_name=name)
    with pytest.raises(ValueError, match="API name"):

        class Named(SObject, api_name=name):
            pass


def test_check_record_type_accepts_instances() -> None:
    """check_record_type is silent for a record of the class or a subclass."""
    check_record_type(BigGadget(), Gadget, "save")


def test_check_record_type_names_both_classes() -> None:
    """check_record_type raises TypeError naming the expected and actual classes."""
    with pytest.raises(TypeError, match=r"save_update\(\) expects a Gadget record, got Widget__c"):
        check_record_type(Widget__c(), Gadget, "save_update")


def test_repr_shows_loaded_fields_only() -> None:
    """The repr lists loaded fields by attribute, and hides blob contents."""

    class Blobby__c(SObject):
        Name: str | None = None
        Data__c: bytes | None = None
        Other__c: str | None = None

    record = Blobby__c(Name="n", Data__c=b"x" * 100)
    assert repr(record) == "Blobby__c(Name='n', Data__c=<100 bytes>)"


def test_equality_compares_loaded_fields() -> None:
    """Records are equal when of one class with the same loaded values."""
    assert Widget__c(Name="a") == Widget__c(Name="a")
    assert Widget__c(Name="a") != Widget__c(Name="a", Size__c=None)
    assert Widget__c(Name="a") != Gadget(Name="a")


def test_attributes_property_gives_type() -> None:
    """A record's attributes hold its sObject type."""
    assert Gadget().attributes == {"type": "Gadget__c"}


def test_generic_record_assignment_sets_extra_field() -> None:
    """Assigning an attribute on a GenericRecord sets a field of that API name."""
    from sf_toolkit.models import from_payload

    record = from_payload({"attributes": {"type": "Unknown__c"}, "Name": "x"})
    assert isinstance(record, GenericRecord)
    record.Colour__c = "red"
    assert extra_fields(record) == {"Name": "x", "Colour__c": "red"}
    assert record.name == "x"


def test_properties_of_the_model_can_be_set() -> None:
    """Assignments to a property of the model class reach its setter."""

    class WithProperty__c(SObject):
        Name: str | None = None

        @property
        def title(self) -> str:
            return (self.Name or "").title()

        @title.setter
        def title(self, value: str) -> None:
            self.Name = value.lower()

    record = WithProperty__c()
    record.title = "ACME"
    assert record.Name == "acme"
    assert record.title == "Acme"


def test_connection_must_be_a_name() -> None:
    """connection= refuses anything but a string."""
    with pytest.raises(TypeError, match="connection"):

        class Bound(SObject, connection=3):
            pass
