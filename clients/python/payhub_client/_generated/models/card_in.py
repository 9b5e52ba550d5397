from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CardIn")


@_attrs_define
class CardIn:
    """
    Attributes:
        exp_month (int):
        exp_year (int):
        number (str):
        cvc (None | str | Unset):
        holder_name (None | str | Unset):
    """

    exp_month: int
    exp_year: int
    number: str
    cvc: None | str | Unset = UNSET
    holder_name: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        exp_month = self.exp_month

        exp_year = self.exp_year

        number = self.number

        cvc: None | str | Unset
        if isinstance(self.cvc, Unset):
            cvc = UNSET
        else:
            cvc = self.cvc

        holder_name: None | str | Unset
        if isinstance(self.holder_name, Unset):
            holder_name = UNSET
        else:
            holder_name = self.holder_name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "exp_month": exp_month,
                "exp_year": exp_year,
                "number": number,
            }
        )
        if cvc is not UNSET:
            field_dict["cvc"] = cvc
        if holder_name is not UNSET:
            field_dict["holder_name"] = holder_name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        exp_month = d.pop("exp_month")

        exp_year = d.pop("exp_year")

        number = d.pop("number")

        def _parse_cvc(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cvc = _parse_cvc(d.pop("cvc", UNSET))

        def _parse_holder_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        holder_name = _parse_holder_name(d.pop("holder_name", UNSET))

        card_in = cls(
            exp_month=exp_month,
            exp_year=exp_year,
            number=number,
            cvc=cvc,
            holder_name=holder_name,
        )

        card_in.additional_properties = d
        return card_in

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
