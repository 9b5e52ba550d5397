from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.account_capabilities_currencies_type_0 import AccountCapabilitiesCurrenciesType0

if TYPE_CHECKING:
    from ..models.account_capabilities_resolution import AccountCapabilitiesResolution


T = TypeVar("T", bound="AccountCapabilities")


@_attrs_define
class AccountCapabilities:
    """What the account's adapter can do (``adapters.base.Capabilities``).

    Attributes:
        credentials (list[str]):
        currencies (AccountCapabilitiesCurrenciesType0 | list[str]):
        features (list[str]):
        resolution (AccountCapabilitiesResolution):
    """

    credentials: list[str]
    currencies: AccountCapabilitiesCurrenciesType0 | list[str]
    features: list[str]
    resolution: AccountCapabilitiesResolution
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        credentials = self.credentials

        currencies: list[str] | str
        if isinstance(self.currencies, AccountCapabilitiesCurrenciesType0):
            currencies = self.currencies.value
        else:
            currencies = self.currencies

        features = self.features

        resolution = self.resolution.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "credentials": credentials,
                "currencies": currencies,
                "features": features,
                "resolution": resolution,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.account_capabilities_resolution import AccountCapabilitiesResolution  # noqa: PLC0415

        d = dict(src_dict)
        credentials = cast(list[str], d.pop("credentials"))

        def _parse_currencies(data: object) -> AccountCapabilitiesCurrenciesType0 | list[str]:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                currencies_type_0 = AccountCapabilitiesCurrenciesType0(data)

                return currencies_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, list):
                raise TypeError()
            currencies_type_1 = cast(list[str], data)

            return currencies_type_1

        currencies = _parse_currencies(d.pop("currencies"))

        features = cast(list[str], d.pop("features"))

        resolution = AccountCapabilitiesResolution.from_dict(d.pop("resolution"))

        account_capabilities = cls(
            credentials=credentials,
            currencies=currencies,
            features=features,
            resolution=resolution,
        )

        account_capabilities.additional_properties = d
        return account_capabilities

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
