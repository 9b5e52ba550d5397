from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.payment_method_object import PaymentMethodObject

if TYPE_CHECKING:
    from ..models.card_summary import CardSummary


T = TypeVar("T", bound="PaymentMethod")


@_attrs_define
class PaymentMethod:
    """
    Attributes:
        card (CardSummary):
        created_at (datetime.datetime):
        deleted (bool):
        id (str):
        object_ (PaymentMethodObject):
        type_ (str):
    """

    card: CardSummary
    created_at: datetime.datetime
    deleted: bool
    id: str
    object_: PaymentMethodObject
    type_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        card = self.card.to_dict()

        created_at = self.created_at.isoformat()

        deleted = self.deleted

        id = self.id

        object_ = self.object_.value

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "card": card,
                "created_at": created_at,
                "deleted": deleted,
                "id": id,
                "object": object_,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.card_summary import CardSummary  # noqa: PLC0415

        d = dict(src_dict)
        card = CardSummary.from_dict(d.pop("card"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        deleted = d.pop("deleted")

        id = d.pop("id")

        object_ = PaymentMethodObject(d.pop("object"))

        type_ = d.pop("type")

        payment_method = cls(
            card=card,
            created_at=created_at,
            deleted=deleted,
            id=id,
            object_=object_,
            type_=type_,
        )

        payment_method.additional_properties = d
        return payment_method

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
