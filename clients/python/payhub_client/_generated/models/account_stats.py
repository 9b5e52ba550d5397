from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.account_stats_by_status import AccountStatsByStatus
    from ..models.latency import Latency


T = TypeVar("T", bound="AccountStats")


@_attrs_define
class AccountStats:
    """
    Attributes:
        account (str):
        by_status (AccountStatsByStatus):
        definite (int):
        latency_ms (Latency):
        operations (int):
        succeeded (int):
        success_rate (float | None):
        unknown (int):
    """

    account: str
    by_status: AccountStatsByStatus
    definite: int
    latency_ms: Latency
    operations: int
    succeeded: int
    success_rate: float | None
    unknown: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account = self.account

        by_status = self.by_status.to_dict()

        definite = self.definite

        latency_ms = self.latency_ms.to_dict()

        operations = self.operations

        succeeded = self.succeeded

        success_rate: float | None
        success_rate = self.success_rate

        unknown = self.unknown

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account": account,
                "by_status": by_status,
                "definite": definite,
                "latency_ms": latency_ms,
                "operations": operations,
                "succeeded": succeeded,
                "success_rate": success_rate,
                "unknown": unknown,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.account_stats_by_status import AccountStatsByStatus  # noqa: PLC0415
        from ..models.latency import Latency  # noqa: PLC0415

        d = dict(src_dict)
        account = d.pop("account")

        by_status = AccountStatsByStatus.from_dict(d.pop("by_status"))

        definite = d.pop("definite")

        latency_ms = Latency.from_dict(d.pop("latency_ms"))

        operations = d.pop("operations")

        succeeded = d.pop("succeeded")

        def _parse_success_rate(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        success_rate = _parse_success_rate(d.pop("success_rate"))

        unknown = d.pop("unknown")

        account_stats = cls(
            account=account,
            by_status=by_status,
            definite=definite,
            latency_ms=latency_ms,
            operations=operations,
            succeeded=succeeded,
            success_rate=success_rate,
            unknown=unknown,
        )

        account_stats.additional_properties = d
        return account_stats

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
