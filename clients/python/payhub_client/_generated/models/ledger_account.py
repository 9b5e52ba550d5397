from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.ledger_account_object import LedgerAccountObject

if TYPE_CHECKING:
    from ..models.ledger_balance import LedgerBalance


T = TypeVar("T", bound="LedgerAccount")


@_attrs_define
class LedgerAccount:
    """
    Attributes:
        balances (list[LedgerBalance]):
        description (None | str):
        name (str):
        object_ (LedgerAccountObject):
    """

    balances: list[LedgerBalance]
    description: None | str
    name: str
    object_: LedgerAccountObject
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        balances = []
        for balances_item_data in self.balances:
            balances_item = balances_item_data.to_dict()
            balances.append(balances_item)

        description: None | str
        description = self.description

        name = self.name

        object_ = self.object_.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "balances": balances,
                "description": description,
                "name": name,
                "object": object_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ledger_balance import LedgerBalance  # noqa: PLC0415

        d = dict(src_dict)
        balances = []
        _balances = d.pop("balances")
        for balances_item_data in _balances:
            balances_item = LedgerBalance.from_dict(balances_item_data)

            balances.append(balances_item)

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        name = d.pop("name")

        object_ = LedgerAccountObject(d.pop("object"))

        ledger_account = cls(
            balances=balances,
            description=description,
            name=name,
            object_=object_,
        )

        ledger_account.additional_properties = d
        return ledger_account

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
