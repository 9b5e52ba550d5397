from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.settled_operation_object import SettledOperationObject
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.settled_operation_payment import SettledOperationPayment
    from ..models.settled_operation_payout import SettledOperationPayout


T = TypeVar("T", bound="SettledOperation")


@_attrs_define
class SettledOperation:
    """The operation after an admin settled it, with the resource it settled (under
    ``payment`` or ``payout``, by ``resource_kind``).

        Attributes:
            account (str):
            id (str):
            kind (str):
            object_ (SettledOperationObject):
            requires_review (bool):
            resolved_at (datetime.datetime | None):
            resource_id (str):
            resource_kind (str):
            status (str):
            payment (SettledOperationPayment | Unset):
            payout (SettledOperationPayout | Unset):
    """

    account: str
    id: str
    kind: str
    object_: SettledOperationObject
    requires_review: bool
    resolved_at: datetime.datetime | None
    resource_id: str
    resource_kind: str
    status: str
    payment: SettledOperationPayment | Unset = UNSET
    payout: SettledOperationPayout | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account = self.account

        id = self.id

        kind = self.kind

        object_ = self.object_.value

        requires_review = self.requires_review

        resolved_at: None | str
        if isinstance(self.resolved_at, datetime.datetime):
            resolved_at = self.resolved_at.isoformat()
        else:
            resolved_at = self.resolved_at

        resource_id = self.resource_id

        resource_kind = self.resource_kind

        status = self.status

        payment: dict[str, Any] | Unset = UNSET
        if not isinstance(self.payment, Unset):
            payment = self.payment.to_dict()

        payout: dict[str, Any] | Unset = UNSET
        if not isinstance(self.payout, Unset):
            payout = self.payout.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account": account,
                "id": id,
                "kind": kind,
                "object": object_,
                "requires_review": requires_review,
                "resolved_at": resolved_at,
                "resource_id": resource_id,
                "resource_kind": resource_kind,
                "status": status,
            }
        )
        if payment is not UNSET:
            field_dict["payment"] = payment
        if payout is not UNSET:
            field_dict["payout"] = payout

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.settled_operation_payment import SettledOperationPayment  # noqa: PLC0415
        from ..models.settled_operation_payout import SettledOperationPayout  # noqa: PLC0415

        d = dict(src_dict)
        account = d.pop("account")

        id = d.pop("id")

        kind = d.pop("kind")

        object_ = SettledOperationObject(d.pop("object"))

        requires_review = d.pop("requires_review")

        def _parse_resolved_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resolved_at_type_0 = datetime.datetime.fromisoformat(data)

                return resolved_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        resolved_at = _parse_resolved_at(d.pop("resolved_at"))

        resource_id = d.pop("resource_id")

        resource_kind = d.pop("resource_kind")

        status = d.pop("status")

        _payment = d.pop("payment", UNSET)
        payment: SettledOperationPayment | Unset
        if isinstance(_payment, Unset):
            payment = UNSET
        else:
            payment = SettledOperationPayment.from_dict(_payment)

        _payout = d.pop("payout", UNSET)
        payout: SettledOperationPayout | Unset
        if isinstance(_payout, Unset):
            payout = UNSET
        else:
            payout = SettledOperationPayout.from_dict(_payout)

        settled_operation = cls(
            account=account,
            id=id,
            kind=kind,
            object_=object_,
            requires_review=requires_review,
            resolved_at=resolved_at,
            resource_id=resource_id,
            resource_kind=resource_kind,
            status=status,
            payment=payment,
            payout=payout,
        )

        settled_operation.additional_properties = d
        return settled_operation

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
