from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ResolutionBacklog")


@_attrs_define
class ResolutionBacklog:
    """
    Attributes:
        pending_overdue (int):
        requires_review (int):
        unknown (int):
    """

    pending_overdue: int
    requires_review: int
    unknown: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        pending_overdue = self.pending_overdue

        requires_review = self.requires_review

        unknown = self.unknown

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "pending_overdue": pending_overdue,
                "requires_review": requires_review,
                "unknown": unknown,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        pending_overdue = d.pop("pending_overdue")

        requires_review = d.pop("requires_review")

        unknown = d.pop("unknown")

        resolution_backlog = cls(
            pending_overdue=pending_overdue,
            requires_review=requires_review,
            unknown=unknown,
        )

        resolution_backlog.additional_properties = d
        return resolution_backlog

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
