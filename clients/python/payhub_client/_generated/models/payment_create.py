from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.payment_create_capture import PaymentCreateCapture
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.payment_create_metadata import PaymentCreateMetadata
    from ..models.payment_method_in import PaymentMethodIn
    from ..models.three_ds_in import ThreeDSIn


T = TypeVar("T", bound="PaymentCreate")


@_attrs_define
class PaymentCreate:
    """
    Attributes:
        amount (int):
        currency (str):
        payment_method (PaymentMethodIn):
        account (None | str | Unset):
        capture (PaymentCreateCapture | Unset):  Default: PaymentCreateCapture.AUTOMATIC.
        description (None | str | Unset):
        metadata (PaymentCreateMetadata | Unset):
        reference (None | str | Unset):
        three_ds (None | ThreeDSIn | Unset):
    """

    amount: int
    currency: str
    payment_method: PaymentMethodIn
    account: None | str | Unset = UNSET
    capture: PaymentCreateCapture | Unset = PaymentCreateCapture.AUTOMATIC
    description: None | str | Unset = UNSET
    metadata: PaymentCreateMetadata | Unset = UNSET
    reference: None | str | Unset = UNSET
    three_ds: None | ThreeDSIn | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.three_ds_in import ThreeDSIn  # noqa: PLC0415

        amount = self.amount

        currency = self.currency

        payment_method = self.payment_method.to_dict()

        account: None | str | Unset
        if isinstance(self.account, Unset):
            account = UNSET
        else:
            account = self.account

        capture: str | Unset = UNSET
        if not isinstance(self.capture, Unset):
            capture = self.capture.value

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        reference: None | str | Unset
        if isinstance(self.reference, Unset):
            reference = UNSET
        else:
            reference = self.reference

        three_ds: dict[str, Any] | None | Unset
        if isinstance(self.three_ds, Unset):
            three_ds = UNSET
        elif isinstance(self.three_ds, ThreeDSIn):
            three_ds = self.three_ds.to_dict()
        else:
            three_ds = self.three_ds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "currency": currency,
                "payment_method": payment_method,
            }
        )
        if account is not UNSET:
            field_dict["account"] = account
        if capture is not UNSET:
            field_dict["capture"] = capture
        if description is not UNSET:
            field_dict["description"] = description
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if reference is not UNSET:
            field_dict["reference"] = reference
        if three_ds is not UNSET:
            field_dict["three_ds"] = three_ds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.payment_create_metadata import PaymentCreateMetadata  # noqa: PLC0415
        from ..models.payment_method_in import PaymentMethodIn  # noqa: PLC0415
        from ..models.three_ds_in import ThreeDSIn  # noqa: PLC0415

        d = dict(src_dict)
        amount = d.pop("amount")

        currency = d.pop("currency")

        payment_method = PaymentMethodIn.from_dict(d.pop("payment_method"))

        def _parse_account(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        account = _parse_account(d.pop("account", UNSET))

        _capture = d.pop("capture", UNSET)
        capture: PaymentCreateCapture | Unset
        if isinstance(_capture, Unset):
            capture = UNSET
        else:
            capture = PaymentCreateCapture(_capture)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        _metadata = d.pop("metadata", UNSET)
        metadata: PaymentCreateMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = PaymentCreateMetadata.from_dict(_metadata)

        def _parse_reference(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reference = _parse_reference(d.pop("reference", UNSET))

        def _parse_three_ds(data: object) -> None | ThreeDSIn | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                three_ds_type_0 = ThreeDSIn.from_dict(data)

                return three_ds_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ThreeDSIn | Unset, data)

        three_ds = _parse_three_ds(d.pop("three_ds", UNSET))

        payment_create = cls(
            amount=amount,
            currency=currency,
            payment_method=payment_method,
            account=account,
            capture=capture,
            description=description,
            metadata=metadata,
            reference=reference,
            three_ds=three_ds,
        )

        payment_create.additional_properties = d
        return payment_create

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
