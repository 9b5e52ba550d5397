from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ReconciliationSummary")


@_attrs_define
class ReconciliationSummary:
    """The count of a run's items per kind (DESIGN §14).

    Attributes:
        amount_mismatch (int):
        currency_mismatch (int):
        fee (int):
        matched (int):
        missing_at_provider (int):
        missing_in_hub (int):
        settlement (int):
        status_mismatch (int):
    """

    amount_mismatch: int
    currency_mismatch: int
    fee: int
    matched: int
    missing_at_provider: int
    missing_in_hub: int
    settlement: int
    status_mismatch: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount_mismatch = self.amount_mismatch

        currency_mismatch = self.currency_mismatch

        fee = self.fee

        matched = self.matched

        missing_at_provider = self.missing_at_provider

        missing_in_hub = self.missing_in_hub

        settlement = self.settlement

        status_mismatch = self.status_mismatch

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_mismatch": amount_mismatch,
                "currency_mismatch": currency_mismatch,
                "fee": fee,
                "matched": matched,
                "missing_at_provider": missing_at_provider,
                "missing_in_hub": missing_in_hub,
                "settlement": settlement,
                "status_mismatch": status_mismatch,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount_mismatch = d.pop("amount_mismatch")

        currency_mismatch = d.pop("currency_mismatch")

        fee = d.pop("fee")

        matched = d.pop("matched")

        missing_at_provider = d.pop("missing_at_provider")

        missing_in_hub = d.pop("missing_in_hub")

        settlement = d.pop("settlement")

        status_mismatch = d.pop("status_mismatch")

        reconciliation_summary = cls(
            amount_mismatch=amount_mismatch,
            currency_mismatch=currency_mismatch,
            fee=fee,
            matched=matched,
            missing_at_provider=missing_at_provider,
            missing_in_hub=missing_in_hub,
            settlement=settlement,
            status_mismatch=status_mismatch,
        )

        reconciliation_summary.additional_properties = d
        return reconciliation_summary

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
