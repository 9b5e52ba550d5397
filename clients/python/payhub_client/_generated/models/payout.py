from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.payout_object import PayoutObject
from ..models.payout_status import PayoutStatus

if TYPE_CHECKING:
    from ..models.failure import Failure
    from ..models.payout_destination import PayoutDestination
    from ..models.payout_metadata import PayoutMetadata


T = TypeVar("T", bound="Payout")


@_attrs_define
class Payout:
    """
    Attributes:
        account (str):
        amount (int):
        created_at (datetime.datetime):
        currency (str):
        destination (PayoutDestination):
        failure (Failure | None):
        id (str):
        metadata (PayoutMetadata):
        object_ (PayoutObject):
        provider_reference (None | str):
        reference (None | str):
        requires_review (bool):
        status (PayoutStatus):
        updated_at (datetime.datetime):
    """

    account: str
    amount: int
    created_at: datetime.datetime
    currency: str
    destination: PayoutDestination
    failure: Failure | None
    id: str
    metadata: PayoutMetadata
    object_: PayoutObject
    provider_reference: None | str
    reference: None | str
    requires_review: bool
    status: PayoutStatus
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.failure import Failure  # noqa: PLC0415

        account = self.account

        amount = self.amount

        created_at = self.created_at.isoformat()

        currency = self.currency

        destination = self.destination.to_dict()

        failure: dict[str, Any] | None
        if isinstance(self.failure, Failure):
            failure = self.failure.to_dict()
        else:
            failure = self.failure

        id = self.id

        metadata = self.metadata.to_dict()

        object_ = self.object_.value

        provider_reference: None | str
        provider_reference = self.provider_reference

        reference: None | str
        reference = self.reference

        requires_review = self.requires_review

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account": account,
                "amount": amount,
                "created_at": created_at,
                "currency": currency,
                "destination": destination,
                "failure": failure,
                "id": id,
                "metadata": metadata,
                "object": object_,
                "provider_reference": provider_reference,
                "reference": reference,
                "requires_review": requires_review,
                "status": status,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.failure import Failure  # noqa: PLC0415
        from ..models.payout_destination import PayoutDestination  # noqa: PLC0415
        from ..models.payout_metadata import PayoutMetadata  # noqa: PLC0415

        d = dict(src_dict)
        account = d.pop("account")

        amount = d.pop("amount")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        currency = d.pop("currency")

        destination = PayoutDestination.from_dict(d.pop("destination"))

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

        metadata = PayoutMetadata.from_dict(d.pop("metadata"))

        object_ = PayoutObject(d.pop("object"))

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

        requires_review = d.pop("requires_review")

        status = PayoutStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        payout = cls(
            account=account,
            amount=amount,
            created_at=created_at,
            currency=currency,
            destination=destination,
            failure=failure,
            id=id,
            metadata=metadata,
            object_=object_,
            provider_reference=provider_reference,
            reference=reference,
            requires_review=requires_review,
            status=status,
            updated_at=updated_at,
        )

        payout.additional_properties = d
        return payout

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
