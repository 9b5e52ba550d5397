from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.account_object import AccountObject
from ..models.account_source import AccountSource

if TYPE_CHECKING:
    from ..models.account_capabilities import AccountCapabilities
    from ..models.account_credentials import AccountCredentials
    from ..models.account_settings import AccountSettings
    from ..models.account_timeouts import AccountTimeouts


T = TypeVar("T", bound="Account")


@_attrs_define
class Account:
    """A provider account. Credentials are masked (``****``); they are never answered.

    Attributes:
        adapter (str):
        base_url (None | str):
        capabilities (AccountCapabilities | None):
        created_at (datetime.datetime):
        credentials (AccountCredentials):
        id (str):
        object_ (AccountObject):
        settings (AccountSettings):
        source (AccountSource):
        timeouts (AccountTimeouts):
        updated_at (datetime.datetime):
    """

    adapter: str
    base_url: None | str
    capabilities: AccountCapabilities | None
    created_at: datetime.datetime
    credentials: AccountCredentials
    id: str
    object_: AccountObject
    settings: AccountSettings
    source: AccountSource
    timeouts: AccountTimeouts
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.account_capabilities import AccountCapabilities  # noqa: PLC0415

        adapter = self.adapter

        base_url: None | str
        base_url = self.base_url

        capabilities: dict[str, Any] | None
        if isinstance(self.capabilities, AccountCapabilities):
            capabilities = self.capabilities.to_dict()
        else:
            capabilities = self.capabilities

        created_at = self.created_at.isoformat()

        credentials = self.credentials.to_dict()

        id = self.id

        object_ = self.object_.value

        settings = self.settings.to_dict()

        source = self.source.value

        timeouts = self.timeouts.to_dict()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "adapter": adapter,
                "base_url": base_url,
                "capabilities": capabilities,
                "created_at": created_at,
                "credentials": credentials,
                "id": id,
                "object": object_,
                "settings": settings,
                "source": source,
                "timeouts": timeouts,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.account_capabilities import AccountCapabilities  # noqa: PLC0415
        from ..models.account_credentials import AccountCredentials  # noqa: PLC0415
        from ..models.account_settings import AccountSettings  # noqa: PLC0415
        from ..models.account_timeouts import AccountTimeouts  # noqa: PLC0415

        d = dict(src_dict)
        adapter = d.pop("adapter")

        def _parse_base_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        base_url = _parse_base_url(d.pop("base_url"))

        def _parse_capabilities(data: object) -> AccountCapabilities | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                capabilities_type_0 = AccountCapabilities.from_dict(data)

                return capabilities_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AccountCapabilities | None, data)

        capabilities = _parse_capabilities(d.pop("capabilities"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        credentials = AccountCredentials.from_dict(d.pop("credentials"))

        id = d.pop("id")

        object_ = AccountObject(d.pop("object"))

        settings = AccountSettings.from_dict(d.pop("settings"))

        source = AccountSource(d.pop("source"))

        timeouts = AccountTimeouts.from_dict(d.pop("timeouts"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        account = cls(
            adapter=adapter,
            base_url=base_url,
            capabilities=capabilities,
            created_at=created_at,
            credentials=credentials,
            id=id,
            object_=object_,
            settings=settings,
            source=source,
            timeouts=timeouts,
            updated_at=updated_at,
        )

        account.additional_properties = d
        return account

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
