from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.payment_capture import PaymentCapture
from ..models.payment_object import PaymentObject
from ..models.payment_status import PaymentStatus

if TYPE_CHECKING:
    from ..models.attempt import Attempt
    from ..models.failure import Failure
    from ..models.payment_metadata import PaymentMetadata
    from ..models.payment_next_action_type_0 import PaymentNextActionType0
    from ..models.payment_payment_method_type_0 import PaymentPaymentMethodType0


T = TypeVar("T", bound="Payment")


@_attrs_define
class Payment:
    """
    Attributes:
        account (str):
        amount (int):
        amount_captured (int):
        amount_disputed (int):
        amount_refunded (int):
        attempts (list[Attempt]):
        capture (PaymentCapture):
        created_at (datetime.datetime):
        currency (str):
        disputes (list[str]):
        failure (Failure | None):
        id (str):
        metadata (PaymentMetadata):
        next_action (None | PaymentNextActionType0):
        object_ (PaymentObject):
        payment_method (None | PaymentPaymentMethodType0):
        provider_reference (None | str):
        reference (None | str):
        requires_review (bool):
        status (PaymentStatus):
        updated_at (datetime.datetime):
    """

    account: str
    amount: int
    amount_captured: int
    amount_disputed: int
    amount_refunded: int
    attempts: list[Attempt]
    capture: PaymentCapture
    created_at: datetime.datetime
    currency: str
    disputes: list[str]
    failure: Failure | None
    id: str
    metadata: PaymentMetadata
    next_action: None | PaymentNextActionType0
    object_: PaymentObject
    payment_method: None | PaymentPaymentMethodType0
    provider_reference: None | str
    reference: None | str
    requires_review: bool
    status: PaymentStatus
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.failure import Failure  # noqa: PLC0415
        from ..models.payment_next_action_type_0 import PaymentNextActionType0  # noqa: PLC0415
        from ..models.payment_payment_method_type_0 import PaymentPaymentMethodType0  # noqa: PLC0415

        account = self.account

        amount = self.amount

        amount_captured = self.amount_captured

        amount_disputed = self.amount_disputed

        amount_refunded = self.amount_refunded

        attempts = []
        for attempts_item_data in self.attempts:
            attempts_item = attempts_item_data.to_dict()
            attempts.append(attempts_item)

        capture = self.capture.value

        created_at = self.created_at.isoformat()

        currency = self.currency

        disputes = self.disputes

        failure: dict[str, Any] | None
        if isinstance(self.failure, Failure):
            failure = self.failure.to_dict()
        else:
            failure = self.failure

        id = self.id

        metadata = self.metadata.to_dict()

        next_action: dict[str, Any] | None
        if isinstance(self.next_action, PaymentNextActionType0):
            next_action = self.next_action.to_dict()
        else:
            next_action = self.next_action

        object_ = self.object_.value

        payment_method: dict[str, Any] | None
        if isinstance(self.payment_method, PaymentPaymentMethodType0):
            payment_method = self.payment_method.to_dict()
        else:
            payment_method = self.payment_method

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
                "amount_captured": amount_captured,
                "amount_disputed": amount_disputed,
                "amount_refunded": amount_refunded,
                "attempts": attempts,
                "capture": capture,
                "created_at": created_at,
                "currency": currency,
                "disputes": disputes,
                "failure": failure,
                "id": id,
                "metadata": metadata,
                "next_action": next_action,
                "object": object_,
                "payment_method": payment_method,
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
        from ..models.attempt import Attempt  # noqa: PLC0415
        from ..models.failure import Failure  # noqa: PLC0415
        from ..models.payment_metadata import PaymentMetadata  # noqa: PLC0415
        from ..models.payment_next_action_type_0 import PaymentNextActionType0  # noqa: PLC0415
        from ..models.payment_payment_method_type_0 import PaymentPaymentMethodType0  # noqa: PLC0415

        d = dict(src_dict)
        account = d.pop("account")

        amount = d.pop("amount")

        amount_captured = d.pop("amount_captured")

        amount_disputed = d.pop("amount_disputed")

        amount_refunded = d.pop("amount_refunded")

        attempts = []
        _attempts = d.pop("attempts")
        for attempts_item_data in _attempts:
            attempts_item = Attempt.from_dict(attempts_item_data)

            attempts.append(attempts_item)

        capture = PaymentCapture(d.pop("capture"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        currency = d.pop("currency")

        disputes = cast(list[str], d.pop("disputes"))

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

        metadata = PaymentMetadata.from_dict(d.pop("metadata"))

        def _parse_next_action(data: object) -> None | PaymentNextActionType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                next_action_type_0 = PaymentNextActionType0.from_dict(data)

                return next_action_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PaymentNextActionType0, data)

        next_action = _parse_next_action(d.pop("next_action"))

        object_ = PaymentObject(d.pop("object"))

        def _parse_payment_method(data: object) -> None | PaymentPaymentMethodType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                payment_method_type_0 = PaymentPaymentMethodType0.from_dict(data)

                return payment_method_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PaymentPaymentMethodType0, data)

        payment_method = _parse_payment_method(d.pop("payment_method"))

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

        status = PaymentStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        payment = cls(
            account=account,
            amount=amount,
            amount_captured=amount_captured,
            amount_disputed=amount_disputed,
            amount_refunded=amount_refunded,
            attempts=attempts,
            capture=capture,
            created_at=created_at,
            currency=currency,
            disputes=disputes,
            failure=failure,
            id=id,
            metadata=metadata,
            next_action=next_action,
            object_=object_,
            payment_method=payment_method,
            provider_reference=provider_reference,
            reference=reference,
            requires_review=requires_review,
            status=status,
            updated_at=updated_at,
        )

        payment.additional_properties = d
        return payment

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
