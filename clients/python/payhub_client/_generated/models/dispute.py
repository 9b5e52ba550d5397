from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.dispute_object import DisputeObject

if TYPE_CHECKING:
    from ..models.dispute_evidence_type_0 import DisputeEvidenceType0


T = TypeVar("T", bound="Dispute")


@_attrs_define
class Dispute:
    """
    Attributes:
        account (str):
        amount (int):
        amount_withdrawn (int):
        created_at (datetime.datetime):
        currency (str):
        evidence (DisputeEvidenceType0 | None):
        evidence_due_by (datetime.datetime | None):
        id (str):
        object_ (DisputeObject):
        payment (str):
        provider_reason (None | str):
        provider_reference (None | str):
        reason (str):
        status (str):
        updated_at (datetime.datetime):
    """

    account: str
    amount: int
    amount_withdrawn: int
    created_at: datetime.datetime
    currency: str
    evidence: DisputeEvidenceType0 | None
    evidence_due_by: datetime.datetime | None
    id: str
    object_: DisputeObject
    payment: str
    provider_reason: None | str
    provider_reference: None | str
    reason: str
    status: str
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.dispute_evidence_type_0 import DisputeEvidenceType0  # noqa: PLC0415

        account = self.account

        amount = self.amount

        amount_withdrawn = self.amount_withdrawn

        created_at = self.created_at.isoformat()

        currency = self.currency

        evidence: dict[str, Any] | None
        if isinstance(self.evidence, DisputeEvidenceType0):
            evidence = self.evidence.to_dict()
        else:
            evidence = self.evidence

        evidence_due_by: None | str
        if isinstance(self.evidence_due_by, datetime.datetime):
            evidence_due_by = self.evidence_due_by.isoformat()
        else:
            evidence_due_by = self.evidence_due_by

        id = self.id

        object_ = self.object_.value

        payment = self.payment

        provider_reason: None | str
        provider_reason = self.provider_reason

        provider_reference: None | str
        provider_reference = self.provider_reference

        reason = self.reason

        status = self.status

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account": account,
                "amount": amount,
                "amount_withdrawn": amount_withdrawn,
                "created_at": created_at,
                "currency": currency,
                "evidence": evidence,
                "evidence_due_by": evidence_due_by,
                "id": id,
                "object": object_,
                "payment": payment,
                "provider_reason": provider_reason,
                "provider_reference": provider_reference,
                "reason": reason,
                "status": status,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dispute_evidence_type_0 import DisputeEvidenceType0  # noqa: PLC0415

        d = dict(src_dict)
        account = d.pop("account")

        amount = d.pop("amount")

        amount_withdrawn = d.pop("amount_withdrawn")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        currency = d.pop("currency")

        def _parse_evidence(data: object) -> DisputeEvidenceType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                evidence_type_0 = DisputeEvidenceType0.from_dict(data)

                return evidence_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DisputeEvidenceType0 | None, data)

        evidence = _parse_evidence(d.pop("evidence"))

        def _parse_evidence_due_by(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                evidence_due_by_type_0 = datetime.datetime.fromisoformat(data)

                return evidence_due_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        evidence_due_by = _parse_evidence_due_by(d.pop("evidence_due_by"))

        id = d.pop("id")

        object_ = DisputeObject(d.pop("object"))

        payment = d.pop("payment")

        def _parse_provider_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider_reason = _parse_provider_reason(d.pop("provider_reason"))

        def _parse_provider_reference(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider_reference = _parse_provider_reference(d.pop("provider_reference"))

        reason = d.pop("reason")

        status = d.pop("status")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        dispute = cls(
            account=account,
            amount=amount,
            amount_withdrawn=amount_withdrawn,
            created_at=created_at,
            currency=currency,
            evidence=evidence,
            evidence_due_by=evidence_due_by,
            id=id,
            object_=object_,
            payment=payment,
            provider_reason=provider_reason,
            provider_reference=provider_reference,
            reason=reason,
            status=status,
            updated_at=updated_at,
        )

        dispute.additional_properties = d
        return dispute

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
