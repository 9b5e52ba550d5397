from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.payment_method_in_type import PaymentMethodInType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.card_in import CardIn


T = TypeVar("T", bound="PaymentMethodIn")


@_attrs_define
class PaymentMethodIn:
    """
    Attributes:
        type_ (PaymentMethodInType):
        card (CardIn | None | Unset):
        token (None | str | Unset):
    """

    type_: PaymentMethodInType
    card: CardIn | None | Unset = UNSET
    token: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.card_in import CardIn  # noqa: PLC0415

        type_ = self.type_.value

        card: dict[str, Any] | None | Unset
        if isinstance(self.card, Unset):
            card = UNSET
        elif isinstance(self.card, CardIn):
            card = self.card.to_dict()
        else:
            card = self.card

        token: None | str | Unset
        if isinstance(self.token, Unset):
            token = UNSET
        else:
            token = self.token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if card is not UNSET:
            field_dict["card"] = card
        if token is not UNSET:
            field_dict["token"] = token

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.card_in import CardIn  # noqa: PLC0415

        d = dict(src_dict)
        type_ = PaymentMethodInType(d.pop("type"))

        def _parse_card(data: object) -> CardIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                card_type_0 = CardIn.from_dict(data)

                return card_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CardIn | None | Unset, data)

        card = _parse_card(d.pop("card", UNSET))

        def _parse_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        token = _parse_token(d.pop("token", UNSET))

        payment_method_in = cls(
            type_=type_,
            card=card,
            token=token,
        )

        payment_method_in.additional_properties = d
        return payment_method_in

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
