from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.ledger_entry_object import LedgerEntryObject

if TYPE_CHECKING:
    from ..models.posting import Posting


T = TypeVar("T", bound="LedgerEntry")


@_attrs_define
class LedgerEntry:
    """A balanced journal entry (its postings sum to zero per currency).

    Attributes:
        created_at (datetime.datetime):
        id (str):
        kind (str):
        object_ (LedgerEntryObject):
        postings (list[Posting]):
        resource (None | str):
    """

    created_at: datetime.datetime
    id: str
    kind: str
    object_: LedgerEntryObject
    postings: list[Posting]
    resource: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        id = self.id

        kind = self.kind

        object_ = self.object_.value

        postings = []
        for postings_item_data in self.postings:
            postings_item = postings_item_data.to_dict()
            postings.append(postings_item)

        resource: None | str
        resource = self.resource

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "id": id,
                "kind": kind,
                "object": object_,
                "postings": postings,
                "resource": resource,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.posting import Posting  # noqa: PLC0415

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        kind = d.pop("kind")

        object_ = LedgerEntryObject(d.pop("object"))

        postings = []
        _postings = d.pop("postings")
        for postings_item_data in _postings:
            postings_item = Posting.from_dict(postings_item_data)

            postings.append(postings_item)

        def _parse_resource(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        resource = _parse_resource(d.pop("resource"))

        ledger_entry = cls(
            created_at=created_at,
            id=id,
            kind=kind,
            object_=object_,
            postings=postings,
            resource=resource,
        )

        ledger_entry.additional_properties = d
        return ledger_entry

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
