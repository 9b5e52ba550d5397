from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.credentials_in_credentials import CredentialsInCredentials


T = TypeVar("T", bound="CredentialsIn")


@_attrs_define
class CredentialsIn:
    """
    Attributes:
        credentials (CredentialsInCredentials):
    """

    credentials: CredentialsInCredentials
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        credentials = self.credentials.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "credentials": credentials,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credentials_in_credentials import CredentialsInCredentials  # noqa: PLC0415

        d = dict(src_dict)
        credentials = CredentialsInCredentials.from_dict(d.pop("credentials"))

        credentials_in = cls(
            credentials=credentials,
        )

        credentials_in.additional_properties = d
        return credentials_in

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
