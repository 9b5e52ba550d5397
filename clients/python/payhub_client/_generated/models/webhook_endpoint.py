from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_endpoint_object import WebhookEndpointObject
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookEndpoint")


@_attrs_define
class WebhookEndpoint:
    """An outbound webhook subscription. ``secret`` (``whsec_...``) is present only in the answer
    that created it.

        Attributes:
            created_at (datetime.datetime):
            description (None | str):
            event_types (list[str]):
            id (str):
            object_ (WebhookEndpointObject):
            status (str):
            updated_at (datetime.datetime):
            url (str):
            secret (str | Unset):
    """

    created_at: datetime.datetime
    description: None | str
    event_types: list[str]
    id: str
    object_: WebhookEndpointObject
    status: str
    updated_at: datetime.datetime
    url: str
    secret: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        description: None | str
        description = self.description

        event_types = self.event_types

        id = self.id

        object_ = self.object_.value

        status = self.status

        updated_at = self.updated_at.isoformat()

        url = self.url

        secret = self.secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "description": description,
                "event_types": event_types,
                "id": id,
                "object": object_,
                "status": status,
                "updated_at": updated_at,
                "url": url,
            }
        )
        if secret is not UNSET:
            field_dict["secret"] = secret

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        event_types = cast(list[str], d.pop("event_types"))

        id = d.pop("id")

        object_ = WebhookEndpointObject(d.pop("object"))

        status = d.pop("status")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        url = d.pop("url")

        secret = d.pop("secret", UNSET)

        webhook_endpoint = cls(
            created_at=created_at,
            description=description,
            event_types=event_types,
            id=id,
            object_=object_,
            status=status,
            updated_at=updated_at,
            url=url,
            secret=secret,
        )

        webhook_endpoint.additional_properties = d
        return webhook_endpoint

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
