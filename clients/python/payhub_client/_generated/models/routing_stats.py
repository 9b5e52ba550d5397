from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.routing_stats_breakers import RoutingStatsBreakers


T = TypeVar("T", bound="RoutingStats")


@_attrs_define
class RoutingStats:
    """
    Attributes:
        breakers (RoutingStatsBreakers):
    """

    breakers: RoutingStatsBreakers
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        breakers = self.breakers.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "breakers": breakers,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.routing_stats_breakers import RoutingStatsBreakers  # noqa: PLC0415

        d = dict(src_dict)
        breakers = RoutingStatsBreakers.from_dict(d.pop("breakers"))

        routing_stats = cls(
            breakers=breakers,
        )

        routing_stats.additional_properties = d
        return routing_stats

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
