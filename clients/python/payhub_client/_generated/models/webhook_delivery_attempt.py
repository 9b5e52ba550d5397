from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_delivery_attempt_object import WebhookDeliveryAttemptObject

T = TypeVar("T", bound="WebhookDeliveryAttempt")


@_attrs_define
class WebhookDeliveryAttempt:
    """
    Attributes:
        at (datetime.datetime):
        delivery_id (str):
        duration_ms (int | None):
        error (None | str):
        number (int):
        object_ (WebhookDeliveryAttemptObject):
        status_code (int | None):
        succeeded (bool):
    """

    at: datetime.datetime
    delivery_id: str
    duration_ms: int | None
    error: None | str
    number: int
    object_: WebhookDeliveryAttemptObject
    status_code: int | None
    succeeded: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        at = self.at.isoformat()

        delivery_id = self.delivery_id

        duration_ms: int | None
        duration_ms = self.duration_ms

        error: None | str
        error = self.error

        number = self.number

        object_ = self.object_.value

        status_code: int | None
        status_code = self.status_code

        succeeded = self.succeeded

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "at": at,
                "delivery_id": delivery_id,
                "duration_ms": duration_ms,
                "error": error,
                "number": number,
                "object": object_,
                "status_code": status_code,
                "succeeded": succeeded,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))

        delivery_id = d.pop("delivery_id")

        def _parse_duration_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        duration_ms = _parse_duration_ms(d.pop("duration_ms"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        number = d.pop("number")

        object_ = WebhookDeliveryAttemptObject(d.pop("object"))

        def _parse_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        status_code = _parse_status_code(d.pop("status_code"))

        succeeded = d.pop("succeeded")

        webhook_delivery_attempt = cls(
            at=at,
            delivery_id=delivery_id,
            duration_ms=duration_ms,
            error=error,
            number=number,
            object_=object_,
            status_code=status_code,
            succeeded=succeeded,
        )

        webhook_delivery_attempt.additional_properties = d
        return webhook_delivery_attempt

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
