from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.routing_explanation_object import RoutingExplanationObject

if TYPE_CHECKING:
    from ..models.routing_rule_match import RoutingRuleMatch
    from ..models.routing_skip import RoutingSkip


T = TypeVar("T", bound="RoutingExplanation")


@_attrs_define
class RoutingExplanation:
    """Which rule a payment would match and the accounts it would try, in order.

    Attributes:
        accounts (list[str]):
        object_ (RoutingExplanationObject):
        rule (None | RoutingRuleMatch):
        skipped (list[RoutingSkip]):
        source (str):
    """

    accounts: list[str]
    object_: RoutingExplanationObject
    rule: None | RoutingRuleMatch
    skipped: list[RoutingSkip]
    source: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.routing_rule_match import RoutingRuleMatch  # noqa: PLC0415

        accounts = self.accounts

        object_ = self.object_.value

        rule: dict[str, Any] | None
        if isinstance(self.rule, RoutingRuleMatch):
            rule = self.rule.to_dict()
        else:
            rule = self.rule

        skipped = []
        for skipped_item_data in self.skipped:
            skipped_item = skipped_item_data.to_dict()
            skipped.append(skipped_item)

        source = self.source

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "accounts": accounts,
                "object": object_,
                "rule": rule,
                "skipped": skipped,
                "source": source,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.routing_rule_match import RoutingRuleMatch  # noqa: PLC0415
        from ..models.routing_skip import RoutingSkip  # noqa: PLC0415

        d = dict(src_dict)
        accounts = cast(list[str], d.pop("accounts"))

        object_ = RoutingExplanationObject(d.pop("object"))

        def _parse_rule(data: object) -> None | RoutingRuleMatch:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                rule_type_0 = RoutingRuleMatch.from_dict(data)

                return rule_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RoutingRuleMatch, data)

        rule = _parse_rule(d.pop("rule"))

        skipped = []
        _skipped = d.pop("skipped")
        for skipped_item_data in _skipped:
            skipped_item = RoutingSkip.from_dict(skipped_item_data)

            skipped.append(skipped_item)

        source = d.pop("source")

        routing_explanation = cls(
            accounts=accounts,
            object_=object_,
            rule=rule,
            skipped=skipped,
            source=source,
        )

        routing_explanation.additional_properties = d
        return routing_explanation

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
