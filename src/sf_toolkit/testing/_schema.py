"""
The fake org's schema: sObjects and fields, built from describe-style dicts.

Standard objects are declared here in a compact form; users add objects and fields with the same
describe keys Salesforce returns (``name``, ``type``, ``length``, ``referenceTo``...), so a describe
captured from a real org can be replayed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ._protocols import FieldRef

__all__ = ["ChildRelationship", "FieldDef", "ObjectDef", "SchemaError", "standard_objects"]

_BLOB_FIELDS = {"Attachment": "Body", "ContentVersion": "VersionData", "Document": "Body"}
_KNOWN_TYPES = frozenset(
    {
        "id",
        "string",
        "textarea",
        "boolean",
        "int",
        "double",
        "currency",
        "percent",
        "date",
        "datetime",
        "time",
        "reference",
        "picklist",
        "multipicklist",
        "combobox",
        "email",
        "phone",
        "url",
        "base64",
        "address",
        "location",
        "encryptedstring",
    }
)


class SchemaError(ValueError):
    """A describe dict given to ``add_object``/``add_field`` that cannot be used."""


@dataclass(frozen=True)
class FieldDef:
    """One field, with the describe attributes the fake needs for validation and describe."""

    name: str
    type: str
    label: str = ""
    length: int = 0
    precision: int = 0
    scale: int = 0
    digits: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    unique: bool = False
    case_sensitive: bool = False
    external_id: bool = False
    id_lookup: bool = False
    calculated: bool = False
    defaulted_on_create: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    child_relationship_name: str | None = None
    cascade_delete: bool = False
    picklist_values: tuple[Mapping[str, Any], ...] = ()
    restricted_picklist: bool = False
    compound_field_name: str | None = None
    default_value: Any = None

    @property
    def required(self) -> bool:
        """Whether an insert must give a value (Salesforce's "Required fields are missing")."""
        return (
            self.createable
            and not self.nillable
            and not self.defaulted_on_create
            and self.type != "boolean"
        )

    def ref(self) -> FieldRef:
        """This field as the SOQL engine and the bulk code see it."""
        return FieldRef(
            name=self.name,
            type=self.type,
            reference_to=self.reference_to,
            relationship_name=self.relationship_name,
            external_id=self.external_id,
            createable=self.createable,
            updateable=self.updateable,
        )

    def describe(self) -> dict[str, Any]:
        """
        The field's entry in ``fields[]`` of an sObject describe.

        Every key of Salesforce's ``DescribeFieldResult`` ("sObject Describe"), keys sorted as
        Salesforce sends them; formula, encryption and dependent-picklist keys are constant.
        """
        filterable = self.type not in ("textarea", "base64", "address", "location")
        groupable = filterable and self.type not in ("double", "currency", "percent")
        data = {
            "aggregatable": filterable and self.type not in ("boolean",),
            "aiPredictionField": False,
            "calculatedFormula": None,
            "controllerName": None,
            "defaultValueFormula": None,
            "dependentPicklist": False,
            "deprecatedAndHidden": False,
            "displayLocationInDecimal": False,
            "encrypted": False,
            "extraTypeInfo": None,
            "filteredLookupInfo": None,
            "formulaTreatNullNumberAsZero": False,
            "highScaleNumber": False,
            "inlineHelpText": None,
            "mask": None,
            "maskType": None,
            "namePointing": len(self.reference_to) > 1,
            "permissionable": self.nillable and self.createable and not self.calculated,
            "queryByDistance": False,
            "referenceTargetField": None,
            "relationshipOrder": None,
            "restrictedDelete": False,
            "searchPrefilterable": bool(self.reference_to),
            "writeRequiresMasterRead": False,
            **self._core(filterable, groupable),
        }
        return dict(sorted(data.items()))

    def _core(self, filterable: bool, groupable: bool) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "soapType": _soap_type(self.type),
            "length": self.length,
            "byteLength": self.length * 3,
            "precision": self.precision,
            "scale": self.scale,
            "digits": self.digits,
            "nillable": self.nillable,
            "createable": self.createable,
            "updateable": self.updateable,
            "unique": self.unique,
            "caseSensitive": self.case_sensitive,
            "externalId": self.external_id,
            "idLookup": self.id_lookup,
            "calculated": self.calculated,
            "custom": self.name.endswith("__c"),
            "defaultedOnCreate": self.defaulted_on_create,
            "defaultValue": self.default_value,
            "filterable": filterable,
            "sortable": filterable,
            "groupable": groupable,
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "cascadeDelete": self.cascade_delete,
            "picklistValues": [dict(value) for value in self.picklist_values],
            "restrictedPicklist": self.restricted_picklist,
            "compoundFieldName": self.compound_field_name,
            "polymorphicForeignKey": len(self.reference_to) > 1,
            "nameField": self.name == "Name",
            "htmlFormatted": False,
            "autoNumber": False,
        }


@dataclass(frozen=True)
class ChildRelationship:
    """A child relationship of a parent sObject, e.g. ``Account.Contacts``."""

    child_sobject: str
    field: str
    relationship_name: str
    cascade_delete: bool = False


@dataclass
class ObjectDef:
    """One sObject: its fields in describe order, keyed case-insensitively."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    custom: bool = False
    fields: dict[str, FieldDef] = field(default_factory=dict)
    blob_field: str | None = None

    def get(self, name: str) -> FieldDef | None:
        """A field by case-insensitive API name."""
        return self.fields.get(name.lower())

    def add(self, definition: FieldDef) -> None:
        """Add or replace a field."""
        self.fields[definition.name.lower()] = definition


def _soap_type(kind: str) -> str:
    return {
        "id": "tns:ID",
        "reference": "tns:ID",
        "boolean": "xsd:boolean",
        "int": "xsd:int",
        "double": "xsd:double",
        "currency": "xsd:double",
        "percent": "xsd:double",
        "date": "xsd:date",
        "datetime": "xsd:dateTime",
        "time": "xsd:time",
        "base64": "xsd:base64Binary",
        "address": "urn:address",
        "location": "urn:location",
    }.get(kind, "xsd:string")


def _picklist(*values: str, default: str | None = None) -> tuple[Mapping[str, Any], ...]:
    return tuple(
        {"value": v, "label": v, "active": True, "defaultValue": v == default, "validFor": None}
        for v in values
    )


def _label(name: str) -> str:
    base = name.removesuffix("__c").removesuffix("Id") or name
    spaced = "".join(" " + c if c.isupper() and i else c for i, c in enumerate(base))
    return spaced.replace("_", " ").strip()


def _f(name: str, kind: str, **extra: Any) -> FieldDef:
    defaults: dict[str, Any] = {}
    if kind in ("string", "email", "phone", "url", "picklist", "combobox"):
        defaults["length"] = {"phone": 40, "url": 255, "email": 80}.get(kind, 255)
    elif kind == "textarea":
        defaults["length"] = 32000
    elif kind in ("id", "reference"):
        defaults["length"] = 18
    elif kind == "multipicklist":
        defaults["length"] = 4099
    elif kind in ("currency", "double"):
        defaults.update(precision=18, scale=2)
    elif kind == "percent":
        defaults.update(precision=5, scale=2)
    elif kind == "int":
        defaults["digits"] = 9
    elif kind == "boolean":
        defaults.update(nillable=False, defaulted_on_create=True, default_value=False)
    defaults.update(extra)
    defaults.setdefault("label", _label(name))
    return FieldDef(name=name, type=kind, **defaults)


def _system_fields(owned: bool) -> list[FieldDef]:
    audit = {"createable": False, "updateable": False, "nillable": False}
    fields = [
        _f(
            "Id",
            "id",
            nillable=False,
            createable=False,
            updateable=False,
            id_lookup=True,
            defaulted_on_create=True,
            label="Record ID",
        ),
        _f("IsDeleted", "boolean", createable=False, updateable=False, label="Deleted"),
    ]
    if owned:
        fields.append(
            _f(
                "OwnerId",
                "reference",
                reference_to=("User",),
                relationship_name="Owner",
                nillable=False,
                defaulted_on_create=True,
                label="Owner ID",
            )
        )
    fields += [
        _f("CreatedDate", "datetime", defaulted_on_create=True, **audit),
        _f(
            "CreatedById",
            "reference",
            reference_to=("User",),
            relationship_name="CreatedBy",
            defaulted_on_create=True,
            **audit,
        ),
        _f("LastModifiedDate", "datetime", defaulted_on_create=True, **audit),
        _f(
            "LastModifiedById",
            "reference",
            reference_to=("User",),
            relationship_name="LastModifiedBy",
            defaulted_on_create=True,
            **audit,
        ),
        _f(
            "SystemModstamp", "datetime", defaulted_on_create=True, label="System Modstamp", **audit
        ),
    ]
    return fields


def _address(prefix: str) -> list[FieldDef]:
    compound = f"{prefix}Address"
    parts = [
        _f(f"{prefix}Street", "textarea", length=255, compound_field_name=compound),
        _f(f"{prefix}City", "string", length=40, compound_field_name=compound),
        _f(f"{prefix}State", "string", length=80, compound_field_name=compound),
        _f(f"{prefix}PostalCode", "string", length=20, compound_field_name=compound),
        _f(f"{prefix}Country", "string", length=80, compound_field_name=compound),
    ]
    return [*parts, _f(compound, "address", createable=False, updateable=False)]


def _make(
    name: str, plural: str, fields: Iterable[FieldDef], *, owned: bool = True, label: str = ""
) -> ObjectDef:
    from ..ids import KEY_PREFIXES

    obj = ObjectDef(
        name=name,
        label=label or _label(name),
        label_plural=plural,
        key_prefix=KEY_PREFIXES[name],
        blob_field=_BLOB_FIELDS.get(name),
    )
    system = _system_fields(owned)
    for definition in [system[0], *fields, *system[1:]]:
        obj.add(definition)
    return obj


def standard_objects() -> list[ObjectDef]:
    """Fresh definitions of the standard objects the fake org starts with."""
    account_ref = {
        "reference_to": ("Account",),
        "relationship_name": "Account",
        "cascade_delete": True,
    }
    user = _make(
        "User",
        "Users",
        [
            _f("Username", "string", length=80, nillable=False, unique=True),
            _f("LastName", "string", length=80, nillable=False),
            _f("FirstName", "string", length=40),
            _f("Name", "string", length=121, createable=False, updateable=False, label="Full Name"),
            _f("Email", "email", nillable=False),
            _f("Alias", "string", length=8, nillable=False),
            _f("IsActive", "boolean", default_value=True, label="Active"),
            _f("TimeZoneSidKey", "picklist", length=40, nillable=False),
            _f("LocaleSidKey", "picklist", length=40, nillable=False),
        ],
        owned=False,
    )
    account = _make(
        "Account",
        "Accounts",
        [
            _f("Name", "string", nillable=False, label="Account Name"),
            _f(
                "Type",
                "picklist",
                label="Account Type",
                picklist_values=_picklist(
                    "Prospect",
                    "Customer - Direct",
                    "Customer - Channel",
                    "Channel Partner / Reseller",
                    "Installation Partner",
                    "Technology Partner",
                    "Other",
                ),
            ),
            _f(
                "Industry",
                "picklist",
                picklist_values=_picklist(
                    "Agriculture",
                    "Banking",
                    "Chemicals",
                    "Communications",
                    "Construction",
                    "Consulting",
                    "Education",
                    "Electronics",
                    "Energy",
                    "Engineering",
                    "Finance",
                    "Government",
                    "Healthcare",
                    "Insurance",
                    "Manufacturing",
                    "Media",
                    "Retail",
                    "Technology",
                    "Other",
                ),
            ),
            _f(
                "Rating",
                "picklist",
                restricted_picklist=True,
                picklist_values=_picklist("Hot", "Warm", "Cold"),
            ),
            _f("AnnualRevenue", "currency"),
            _f("NumberOfEmployees", "int", label="Employees", digits=8),
            _f("Phone", "phone", label="Account Phone"),
            _f("Website", "url"),
            *_address("Billing"),
            *_address("Shipping"),
            _f("Description", "textarea", label="Account Description"),
            _f(
                "ParentId",
                "reference",
                reference_to=("Account",),
                relationship_name="Parent",
                child_relationship_name="ChildAccounts",
                label="Parent Account ID",
            ),
            _f(
                "External_ID__c",
                "string",
                length=255,
                external_id=True,
                unique=True,
                id_lookup=True,
                label="External ID",
            ),
        ],
    )
    contact = _make(
        "Contact",
        "Contacts",
        [
            _f("AccountId", "reference", label="Account ID", **account_ref),
            _f("LastName", "string", length=80, nillable=False),
            _f("FirstName", "string", length=40),
            _f("Name", "string", length=121, createable=False, updateable=False, label="Full Name"),
            _f("Salutation", "picklist", picklist_values=_picklist("Mr.", "Ms.", "Mrs.", "Dr.")),
            _f("Title", "string", length=128),
            _f("Email", "email", id_lookup=True),
            _f("Phone", "phone", label="Business Phone"),
            _f("Birthdate", "date"),
            _f("HasOptedOutOfEmail", "boolean", label="Email Opt Out"),
            *_address("Mailing"),
            _f("Description", "textarea", label="Contact Description"),
        ],
    )
    opportunity = _make(
        "Opportunity",
        "Opportunities",
        [
            _f("AccountId", "reference", label="Account ID", **account_ref),
            _f("Name", "string", length=120, nillable=False),
            _f(
                "StageName",
                "picklist",
                nillable=False,
                label="Stage",
                length=255,
                picklist_values=_picklist(
                    "Prospecting",
                    "Qualification",
                    "Needs Analysis",
                    "Value Proposition",
                    "Id. Decision Makers",
                    "Perception Analysis",
                    "Proposal/Price Quote",
                    "Negotiation/Review",
                    "Closed Won",
                    "Closed Lost",
                ),
            ),
            _f("CloseDate", "date", nillable=False),
            _f("Amount", "currency"),
            _f("Probability", "percent", precision=3, scale=0),
            _f("IsClosed", "boolean", createable=False, updateable=False, label="Closed"),
            _f("IsWon", "boolean", createable=False, updateable=False, label="Won"),
            _f("Description", "textarea"),
        ],
    )
    attachment = _make(
        "Attachment",
        "Attachments",
        [
            _f(
                "ParentId",
                "reference",
                nillable=False,
                relationship_name="Parent",
                reference_to=("Account", "Contact", "Opportunity"),
                child_relationship_name="Attachments",
                cascade_delete=True,
                updateable=False,
            ),
            _f("Name", "string", nillable=False, label="File Name"),
            _f("ContentType", "string", length=120),
            _f("BodyLength", "int", createable=False, updateable=False, label="Body Length"),
            _f("Body", "base64", nillable=False, length=0),
            _f("Description", "textarea", length=500),
            _f("IsPrivate", "boolean", label="Private"),
        ],
    )
    content_version = _make(
        "ContentVersion",
        "Content Versions",
        [
            _f(
                "ContentDocumentId",
                "reference",
                reference_to=("ContentDocument",),
                createable=True,
                updateable=False,
                relationship_name="ContentDocument",
                defaulted_on_create=True,
            ),
            _f("Title", "string", nillable=False, defaulted_on_create=True),
            _f("PathOnClient", "string", length=500),
            _f("VersionData", "base64", nillable=False, length=0),
            _f("FileExtension", "string", length=40, createable=False, updateable=False),
            _f("ContentSize", "int", createable=False, updateable=False, label="Size"),
            _f("Description", "textarea", length=1000),
            _f("IsLatest", "boolean", createable=False, updateable=False, default_value=True),
        ],
    )
    document = _make(
        "Document",
        "Documents",
        [
            _f("Name", "string", nillable=False, label="Document Name"),
            _f(
                "FolderId",
                "reference",
                reference_to=("User",),
                nillable=False,
                relationship_name="Folder",
                label="Folder ID",
            ),
            _f("ContentType", "string", length=120, label="MIME Type"),
            _f("Type", "string", length=40, label="File Extension"),
            _f("BodyLength", "int", createable=False, updateable=False, label="Body Length"),
            _f("Body", "base64", length=0),
            _f("Description", "textarea", length=255),
        ],
    )
    return [user, account, contact, opportunity, attachment, content_version, document]


def field_from_describe(data: Mapping[str, Any]) -> FieldDef:
    """
    Build a field from a describe-style dict (``name`` and ``type`` are required).

    Raises:
        SchemaError: If the dict lacks ``name`` or has an unknown ``type``.
    """
    name = data.get("name")
    kind = data.get("type")
    if not isinstance(name, str) or not name.isidentifier():
        raise SchemaError(f"a field describe needs a 'name' that is an API name, got {name!r}")
    if kind not in _KNOWN_TYPES:
        raise SchemaError(f"field {name!r} has unknown type {kind!r}; use a describe type")
    base = _f(name, kind)
    picklist = tuple(
        {"value": v, "label": v, "active": True, "defaultValue": False, "validFor": None}
        if isinstance(v, str)
        else dict(v)
        for v in data.get("picklistValues", ())
    )
    references = tuple(data.get("referenceTo", ()))
    if kind == "reference" and not references:
        raise SchemaError(f"reference field {name!r} needs 'referenceTo'")
    relationship = data.get("relationshipName")
    if kind == "reference" and relationship is None:
        relationship = name[:-1] + "r" if name.endswith("__c") else name.removesuffix("Id")
    return replace(
        base,
        label=data.get("label", base.label),
        length=int(data.get("length", base.length)),
        precision=int(data.get("precision", base.precision)),
        scale=int(data.get("scale", base.scale)),
        digits=int(data.get("digits", base.digits)),
        nillable=bool(data.get("nillable", base.nillable)),
        createable=bool(data.get("createable", base.createable)),
        updateable=bool(data.get("updateable", base.updateable)),
        unique=bool(data.get("unique", False)),
        case_sensitive=bool(data.get("caseSensitive", False)),
        external_id=bool(data.get("externalId", False)),
        id_lookup=bool(data.get("idLookup", data.get("externalId", False))),
        calculated=bool(data.get("calculated", False)),
        defaulted_on_create=bool(data.get("defaultedOnCreate", base.defaulted_on_create)),
        default_value=data.get("defaultValue", base.default_value),
        reference_to=references,
        relationship_name=relationship,
        child_relationship_name=data.get("childRelationshipName"),
        cascade_delete=bool(data.get("cascadeDelete", False)),
        picklist_values=picklist,
        restricted_picklist=bool(data.get("restrictedPicklist", False)),
    )


def with_components(definition: FieldDef) -> list[FieldDef]:
    """
    A field and, for a geolocation field, its component fields.

    "Geolocation Compound Field" and "Compound Field Considerations and Limitations": a custom
    geolocation field ``Loc__c`` is read through the read-only compound ``Loc__c``
    (``{"latitude", "longitude"}``) and written through the double fields ``Loc__Latitude__s``
    and ``Loc__Longitude__s``.
    """
    if definition.type != "location":
        return [definition]
    stem = definition.name.removesuffix("__c")
    scale = definition.scale or 15
    parts = [
        replace(
            _f(f"{stem}__{axis}__s", "double"),
            label=f"{definition.label} ({axis})",
            precision=18,
            scale=scale,
            digits=0,
            compound_field_name=definition.name,
        )
        for axis in ("Latitude", "Longitude")
    ]
    compound = replace(definition, createable=False, updateable=False, scale=scale)
    return [compound, *parts]


def object_from_describe(data: Mapping[str, Any], key_prefix: str) -> ObjectDef:
    """
    Build an sObject from a describe-style dict; system fields are added when missing.

    Raises:
        SchemaError: If the dict lacks ``name`` or a field is unusable.
    """
    name = data.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise SchemaError(f"an sObject describe needs a 'name' that is an API name, got {name!r}")
    obj = ObjectDef(
        name=name,
        label=data.get("label", _label(name)),
        label_plural=data.get("labelPlural", _label(name) + "s"),
        key_prefix=data.get("keyPrefix") or key_prefix,
        custom=bool(data.get("custom", name.endswith("__c"))),
    )
    given = [field_from_describe(item) for item in data.get("fields", ())]
    names = {item.name.lower() for item in given}
    system = [f for f in _system_fields(owned=True) if f.name.lower() not in names]
    if "name" not in names:
        given.insert(0, _f("Name", "string", length=80, nillable=False, label=f"{obj.label} Name"))
    for definition in [*system[:1], *given, *system[1:]]:
        for part in with_components(definition):
            if part is definition or obj.get(part.name) is None:
                obj.add(part)
    for definition in given:
        if definition.type == "base64":
            obj.blob_field = definition.name
    return obj
