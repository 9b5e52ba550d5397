from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.refund_object import RefundObject
from ..models.refund_status import RefundStatus

if TYPE_CHECKING:
    from ..models.failure import Failure
    from ..models.refund_metadata import RefundMetadata


T = TypeVar("T", bound="Refund")


@_attrs_define
class Refund:
    """
    Attributes:
        amount (int):
        created_at (datetime.datetime):
        currency (str):
        failure (Failure | None):
        id (str):
        metadata (RefundMetadata):
        object_ (RefundObject):
        payment (str):
        provider_reference (None | str):
        reference (None | str):
        status (RefundStatus):
        updated_at (datetime.datetime):
    """

    amount: int
    created_at: datetime.datetime
    currency: str
    failure: Failure | None
    id: str
    metadata: RefundMetadata
    object_: RefundObject
    payment: str
    provider_reference: None | str
    reference: None | str
    status: RefundStatus
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.failure import Failure  # noqa: PLC0415

        amount = self.amount

        created_at = self.created_at.isoformat()

        currency = self.currency

        failure: dict[str, Any] | None
        if isinstance(self.failure, Failure):
            failure = self.failure.to_dict()
        else:
            failure = self.failure

        id = self.id

        metadata = self.metadata.to_dict()

        object_ = self.object_.value

        payment = self.payment

        provider_reference: None | str
        provider_reference = self.provider_reference

        reference: None | str
        reference = self.reference

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "created_at": created_at,
                "currency": currency,
                "failure": failure,
                "id": id,
                "metadata": metadata,
                "object": object_,
                "payment": payment,
                "provider_reference": provider_reference,
                "reference": reference,
                "status": status,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.failure import Failure  # noqa: PLC0415
        from ..models.refund_metadata import RefundMetadata  # noqa: PLC0415

        d = dict(src_dict)
        amount = d.pop("amount")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        currency = d.pop("currency")

        def _parse_failure(data: object) -> Failure | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                failure_type_0 = Failure.from_dict(data)

                return failure_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Failure | None, data)

        failure = _parse_failure(d.pop("failure"))

        id = d.pop("id")

        metadata = RefundMetadata.from_dict(d.pop("metadata"))

        object_ = RefundObject(d.pop("object"))

        payment = d.pop("payment")

        def _parse_provider_reference(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider_reference = _parse_provider_reference(d.pop("provider_reference"))

        def _parse_reference(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reference = _parse_reference(d.pop("reference"))

        status = RefundStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        refund = cls(
            amount=amount,
            created_at=created_at,
            currency=currency,
            failure=failure,
            id=id,
            metadata=metadata,
            object_=object_,
            payment=payment,
            provider_reference=provider_reference,
            reference=reference,
            status=status,
            updated_at=updated_at,
        )

        refund.additional_properties = d
        return refund

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
