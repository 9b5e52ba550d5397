from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Breaker")


@_attrs_define
class Breaker:
    """
    Attributes:
        cooldown_remaining (float | None):
        recent_calls (int):
        recent_failures (int):
        state (str):
        times_opened (int):
    """

    cooldown_remaining: float | None
    recent_calls: int
    recent_failures: int
    state: str
    times_opened: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cooldown_remaining: float | None
        cooldown_remaining = self.cooldown_remaining

        recent_calls = self.recent_calls

        recent_failures = self.recent_failures

        state = self.state

        times_opened = self.times_opened

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cooldown_remaining": cooldown_remaining,
                "recent_calls": recent_calls,
                "recent_failures": recent_failures,
                "state": state,
                "times_opened": times_opened,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_cooldown_remaining(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        cooldown_remaining = _parse_cooldown_remaining(d.pop("cooldown_remaining"))

        recent_calls = d.pop("recent_calls")

        recent_failures = d.pop("recent_failures")

        state = d.pop("state")

        times_opened = d.pop("times_opened")

        breaker = cls(
            cooldown_remaining=cooldown_remaining,
            recent_calls=recent_calls,
            recent_failures=recent_failures,
            state=state,
            times_opened=times_opened,
        )

        breaker.additional_properties = d
        return breaker

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
