from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.operation_detail_object import OperationDetailObject

if TYPE_CHECKING:
    from ..models.failure import Failure
    from ..models.operation_attempt import OperationAttempt


T = TypeVar("T", bound="OperationDetail")


@_attrs_define
class OperationDetail:
    """One operation with every attempt made for it.

    Attributes:
        account (str):
        amount (int | None):
        attempts (list[OperationAttempt]):
        created_at (datetime.datetime):
        currency (None | str):
        deadline_at (datetime.datetime | None):
        failure (Failure | None):
        id (str):
        kind (str):
        next_check_at (datetime.datetime | None):
        object_ (OperationDetailObject):
        provider_reference (None | str):
        reason (None | str):
        refund_id (None | str):
        requires_review (bool):
        resolved_at (datetime.datetime | None):
        resource_id (str):
        resource_kind (str):
        status (str):
        updated_at (datetime.datetime):
    """

    account: str
    amount: int | None
    attempts: list[OperationAttempt]
    created_at: datetime.datetime
    currency: None | str
    deadline_at: datetime.datetime | None
    failure: Failure | None
    id: str
    kind: str
    next_check_at: datetime.datetime | None
    object_: OperationDetailObject
    provider_reference: None | str
    reason: None | str
    refund_id: None | str
    requires_review: bool
    resolved_at: datetime.datetime | None
    resource_id: str
    resource_kind: str
    status: str
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.failure import Failure  # noqa: PLC0415

        account = self.account

        amount: int | None
        amount = self.amount

        attempts = []
        for attempts_item_data in self.attempts:
            attempts_item = attempts_item_data.to_dict()
            attempts.append(attempts_item)

        created_at = self.created_at.isoformat()

        currency: None | str
        currency = self.currency

        deadline_at: None | str
        if isinstance(self.deadline_at, datetime.datetime):
            deadline_at = self.deadline_at.isoformat()
        else:
            deadline_at = self.deadline_at

        failure: dict[str, Any] | None
        if isinstance(self.failure, Failure):
            failure = self.failure.to_dict()
        else:
            failure = self.failure

        id = self.id

        kind = self.kind

        next_check_at: None | str
        if isinstance(self.next_check_at, datetime.datetime):
            next_check_at = self.next_check_at.isoformat()
        else:
            next_check_at = self.next_check_at

        object_ = self.object_.value

        provider_reference: None | str
        provider_reference = self.provider_reference

        reason: None | str
        reason = self.reason

        refund_id: None | str
        refund_id = self.refund_id

        requires_review = self.requires_review

        resolved_at: None | str
        if isinstance(self.resolved_at, datetime.datetime):
            resolved_at = self.resolved_at.isoformat()
        else:
            resolved_at = self.resolved_at

        resource_id = self.resource_id

        resource_kind = self.resource_kind

        status = self.status

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account": account,
                "amount": amount,
                "attempts": attempts,
                "created_at": created_at,
                "currency": currency,
                "deadline_at": deadline_at,
                "failure": failure,
                "id": id,
                "kind": kind,
                "next_check_at": next_check_at,
                "object": object_,
                "provider_reference": provider_reference,
                "reason": reason,
                "refund_id": refund_id,
                "requires_review": requires_review,
                "resolved_at": resolved_at,
                "resource_id": resource_id,
                "resource_kind": resource_kind,
                "status": status,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.failure import Failure  # noqa: PLC0415
        from ..models.operation_attempt import OperationAttempt  # noqa: PLC0415

        d = dict(src_dict)
        account = d.pop("account")

        def _parse_amount(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        amount = _parse_amount(d.pop("amount"))

        attempts = []
        _attempts = d.pop("attempts")
        for attempts_item_data in _attempts:
            attempts_item = OperationAttempt.from_dict(attempts_item_data)

            attempts.append(attempts_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_currency(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        currency = _parse_currency(d.pop("currency"))

        def _parse_deadline_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                deadline_at_type_0 = datetime.datetime.fromisoformat(data)

                return deadline_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        deadline_at = _parse_deadline_at(d.pop("deadline_at"))

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

        kind = d.pop("kind")

        def _parse_next_check_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_check_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_check_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_check_at = _parse_next_check_at(d.pop("next_check_at"))

        object_ = OperationDetailObject(d.pop("object"))

        def _parse_provider_reference(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider_reference = _parse_provider_reference(d.pop("provider_reference"))

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        def _parse_refund_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        refund_id = _parse_refund_id(d.pop("refund_id"))

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

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        operation_detail = cls(
            account=account,
            amount=amount,
            attempts=attempts,
            created_at=created_at,
            currency=currency,
            deadline_at=deadline_at,
            failure=failure,
            id=id,
            kind=kind,
            next_check_at=next_check_at,
            object_=object_,
            provider_reference=provider_reference,
            reason=reason,
            refund_id=refund_id,
            requires_review=requires_review,
            resolved_at=resolved_at,
            resource_id=resource_id,
            resource_kind=resource_kind,
            status=status,
            updated_at=updated_at,
        )

        operation_detail.additional_properties = d
        return operation_detail

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
