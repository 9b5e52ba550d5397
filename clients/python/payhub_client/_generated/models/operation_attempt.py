from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.operation_attempt_detail_type_0 import OperationAttemptDetailType0


T = TypeVar("T", bound="OperationAttempt")


@_attrs_define
class OperationAttempt:
    """
    Attributes:
        action (str):
        at (datetime.datetime):
        detail (None | OperationAttemptDetailType0):
        duration_ms (int | None):
        outcome (None | str):
    """

    action: str
    at: datetime.datetime
    detail: None | OperationAttemptDetailType0
    duration_ms: int | None
    outcome: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.operation_attempt_detail_type_0 import OperationAttemptDetailType0  # noqa: PLC0415

        action = self.action

        at = self.at.isoformat()

        detail: dict[str, Any] | None
        if isinstance(self.detail, OperationAttemptDetailType0):
            detail = self.detail.to_dict()
        else:
            detail = self.detail

        duration_ms: int | None
        duration_ms = self.duration_ms

        outcome: None | str
        outcome = self.outcome

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "at": at,
                "detail": detail,
                "duration_ms": duration_ms,
                "outcome": outcome,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.operation_attempt_detail_type_0 import OperationAttemptDetailType0  # noqa: PLC0415

        d = dict(src_dict)
        action = d.pop("action")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        def _parse_detail(data: object) -> None | OperationAttemptDetailType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                detail_type_0 = OperationAttemptDetailType0.from_dict(data)

                return detail_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OperationAttemptDetailType0, data)

        detail = _parse_detail(d.pop("detail"))

        def _parse_duration_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        duration_ms = _parse_duration_ms(d.pop("duration_ms"))

        def _parse_outcome(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        outcome = _parse_outcome(d.pop("outcome"))

        operation_attempt = cls(
            action=action,
            at=at,
            detail=detail,
            duration_ms=duration_ms,
            outcome=outcome,
        )

        operation_attempt.additional_properties = d
        return operation_attempt

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
