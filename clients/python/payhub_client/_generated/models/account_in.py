from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.account_in_credentials import AccountInCredentials
    from ..models.account_in_settings import AccountInSettings
    from ..models.account_in_timeouts import AccountInTimeouts


T = TypeVar("T", bound="AccountIn")


@_attrs_define
class AccountIn:
    """
    Attributes:
        adapter (str):
        id (str):
        base_url (None | str | Unset):
        credentials (AccountInCredentials | Unset):
        settings (AccountInSettings | Unset):
        timeouts (AccountInTimeouts | Unset):
    """

    adapter: str
    id: str
    base_url: None | str | Unset = UNSET
    credentials: AccountInCredentials | Unset = UNSET
    settings: AccountInSettings | Unset = UNSET
    timeouts: AccountInTimeouts | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        adapter = self.adapter

        id = self.id

        base_url: None | str | Unset
        if isinstance(self.base_url, Unset):
            base_url = UNSET
        else:
            base_url = self.base_url

        credentials: dict[str, Any] | Unset = UNSET
        if not isinstance(self.credentials, Unset):
            credentials = self.credentials.to_dict()

        settings: dict[str, Any] | Unset = UNSET
        if not isinstance(self.settings, Unset):
            settings = self.settings.to_dict()

        timeouts: dict[str, Any] | Unset = UNSET
        if not isinstance(self.timeouts, Unset):
            timeouts = self.timeouts.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "adapter": adapter,
                "id": id,
            }
        )
        if base_url is not UNSET:
            field_dict["base_url"] = base_url
        if credentials is not UNSET:
            field_dict["credentials"] = credentials
        if settings is not UNSET:
            field_dict["settings"] = settings
        if timeouts is not UNSET:
            field_dict["timeouts"] = timeouts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.account_in_credentials import AccountInCredentials  # noqa: PLC0415
        from ..models.account_in_settings import AccountInSettings  # noqa: PLC0415
        from ..models.account_in_timeouts import AccountInTimeouts  # noqa: PLC0415

        d = dict(src_dict)
        adapter = d.pop("adapter")

        id = d.pop("id")

        def _parse_base_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        base_url = _parse_base_url(d.pop("base_url", UNSET))

        _credentials = d.pop("credentials", UNSET)
        credentials: AccountInCredentials | Unset
        if isinstance(_credentials, Unset):
            credentials = UNSET
        else:
            credentials = AccountInCredentials.from_dict(_credentials)

        _settings = d.pop("settings", UNSET)
        settings: AccountInSettings | Unset
        if isinstance(_settings, Unset):
            settings = UNSET
        else:
            settings = AccountInSettings.from_dict(_settings)

        _timeouts = d.pop("timeouts", UNSET)
        timeouts: AccountInTimeouts | Unset
        if isinstance(_timeouts, Unset):
            timeouts = UNSET
        else:
            timeouts = AccountInTimeouts.from_dict(_timeouts)

        account_in = cls(
            adapter=adapter,
            id=id,
            base_url=base_url,
            credentials=credentials,
            settings=settings,
            timeouts=timeouts,
        )

        account_in.additional_properties = d
        return account_in

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
