from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.authenticate_in_params import AuthenticateInParams


T = TypeVar("T", bound="AuthenticateIn")


@_attrs_define
class AuthenticateIn:
    """
    Attributes:
        params (AuthenticateInParams):
    """

    params: AuthenticateInParams
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        params = self.params.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "params": params,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.authenticate_in_params import AuthenticateInParams  # noqa: PLC0415

        d = dict(src_dict)
        params = AuthenticateInParams.from_dict(d.pop("params"))

        authenticate_in = cls(
            params=params,
        )

        authenticate_in.additional_properties = d
        return authenticate_in

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
