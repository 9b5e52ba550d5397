from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.routing_rule_match_conditions import RoutingRuleMatchConditions


T = TypeVar("T", bound="RoutingRuleMatch")


@_attrs_define
class RoutingRuleMatch:
    """
    Attributes:
        accounts (list[str]):
        conditions (RoutingRuleMatchConditions):
        index (int | None):
        name (None | str):
    """

    accounts: list[str]
    conditions: RoutingRuleMatchConditions
    index: int | None
    name: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        accounts = self.accounts

        conditions = self.conditions.to_dict()

        index: int | None
        index = self.index

        name: None | str
        name = self.name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "accounts": accounts,
                "conditions": conditions,
                "index": index,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.routing_rule_match_conditions import RoutingRuleMatchConditions  # noqa: PLC0415

        d = dict(src_dict)
        accounts = cast(list[str], d.pop("accounts"))

        conditions = RoutingRuleMatchConditions.from_dict(d.pop("conditions"))

        def _parse_index(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        index = _parse_index(d.pop("index"))

        def _parse_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        name = _parse_name(d.pop("name"))

        routing_rule_match = cls(
            accounts=accounts,
            conditions=conditions,
            index=index,
            name=name,
        )

        routing_rule_match.additional_properties = d
        return routing_rule_match

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
