from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.reconciliation_item_kind import ReconciliationItemKind
from ..models.reconciliation_item_object import ReconciliationItemObject

T = TypeVar("T", bound="ReconciliationItem")


@_attrs_define
class ReconciliationItem:
    """One provider line (or a hub record no line matched) and what reconciliation made of it.

    Attributes:
        currency (None | str):
        detail (None | str):
        fee (int | None):
        hub_amount (int | None):
        id (str):
        kind (ReconciliationItemKind):
        line_id (None | str):
        matched_line (None | str):
        object_ (ReconciliationItemObject):
        provider_amount (int | None):
        provider_reference (None | str):
        provider_type (None | str):
        resource (None | str):
        type_ (str):
    """

    currency: None | str
    detail: None | str
    fee: int | None
    hub_amount: int | None
    id: str
    kind: ReconciliationItemKind
    line_id: None | str
    matched_line: None | str
    object_: ReconciliationItemObject
    provider_amount: int | None
    provider_reference: None | str
    provider_type: None | str
    resource: None | str
    type_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        currency: None | str
        currency = self.currency

        detail: None | str
        detail = self.detail

        fee: int | None
        fee = self.fee

        hub_amount: int | None
        hub_amount = self.hub_amount

        id = self.id

        kind = self.kind.value

        line_id: None | str
        line_id = self.line_id

        matched_line: None | str
        matched_line = self.matched_line

        object_ = self.object_.value

        provider_amount: int | None
        provider_amount = self.provider_amount

        provider_reference: None | str
        provider_reference = self.provider_reference

        provider_type: None | str
        provider_type = self.provider_type

        resource: None | str
        resource = self.resource

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "currency": currency,
                "detail": detail,
                "fee": fee,
                "hub_amount": hub_amount,
                "id": id,
                "kind": kind,
                "line_id": line_id,
                "matched_line": matched_line,
                "object": object_,
                "provider_amount": provider_amount,
                "provider_reference": provider_reference,
                "provider_type": provider_type,
                "resource": resource,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_currency(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        currency = _parse_currency(d.pop("currency"))

        def _parse_detail(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        detail = _parse_detail(d.pop("detail"))

        def _parse_fee(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        fee = _parse_fee(d.pop("fee"))

        def _parse_hub_amount(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        hub_amount = _parse_hub_amount(d.pop("hub_amount"))

        id = d.pop("id")

        kind = ReconciliationItemKind(d.pop("kind"))

        def _parse_line_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        line_id = _parse_line_id(d.pop("line_id"))

        def _parse_matched_line(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        matched_line = _parse_matched_line(d.pop("matched_line"))

        object_ = ReconciliationItemObject(d.pop("object"))

        def _parse_provider_amount(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        provider_amount = _parse_provider_amount(d.pop("provider_amount"))

        def _parse_provider_reference(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider_reference = _parse_provider_reference(d.pop("provider_reference"))

        def _parse_provider_type(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider_type = _parse_provider_type(d.pop("provider_type"))

        def _parse_resource(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        resource = _parse_resource(d.pop("resource"))

        type_ = d.pop("type")

        reconciliation_item = cls(
            currency=currency,
            detail=detail,
            fee=fee,
            hub_amount=hub_amount,
            id=id,
            kind=kind,
            line_id=line_id,
            matched_line=matched_line,
            object_=object_,
            provider_amount=provider_amount,
            provider_reference=provider_reference,
            provider_type=provider_type,
            resource=resource,
            type_=type_,
        )

        reconciliation_item.additional_properties = d
        return reconciliation_item

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
