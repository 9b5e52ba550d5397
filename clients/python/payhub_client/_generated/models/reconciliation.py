from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.reconciliation_object import ReconciliationObject
from ..models.reconciliation_status import ReconciliationStatus

if TYPE_CHECKING:
    from ..models.reconciliation_summary import ReconciliationSummary


T = TypeVar("T", bound="Reconciliation")


@_attrs_define
class Reconciliation:
    """A reconciliation run: the provider's books for a window against the hub's (DESIGN §14).

    Attributes:
        account (str):
        completed_at (datetime.datetime | None):
        created_at (datetime.datetime):
        from_ (datetime.datetime):
        id (str):
        lines (int):
        object_ (ReconciliationObject):
        reason (None | str):
        status (ReconciliationStatus):
        summary (ReconciliationSummary): The count of a run's items per kind (DESIGN §14).
        to (datetime.datetime):
    """

    account: str
    completed_at: datetime.datetime | None
    created_at: datetime.datetime
    from_: datetime.datetime
    id: str
    lines: int
    object_: ReconciliationObject
    reason: None | str
    status: ReconciliationStatus
    summary: ReconciliationSummary
    to: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account = self.account

        completed_at: None | str
        if isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        created_at = self.created_at.isoformat()

        from_ = self.from_.isoformat()

        id = self.id

        lines = self.lines

        object_ = self.object_.value

        reason: None | str
        reason = self.reason

        status = self.status.value

        summary = self.summary.to_dict()

        to = self.to.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account": account,
                "completed_at": completed_at,
                "created_at": created_at,
                "from": from_,
                "id": id,
                "lines": lines,
                "object": object_,
                "reason": reason,
                "status": status,
                "summary": summary,
                "to": to,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.reconciliation_summary import ReconciliationSummary  # noqa: PLC0415

        d = dict(src_dict)
        account = d.pop("account")

        def _parse_completed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)

                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        completed_at = _parse_completed_at(d.pop("completed_at"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        from_ = datetime.datetime.fromisoformat(d.pop("from"))

        id = d.pop("id")

        lines = d.pop("lines")

        object_ = ReconciliationObject(d.pop("object"))

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        status = ReconciliationStatus(d.pop("status"))

        summary = ReconciliationSummary.from_dict(d.pop("summary"))

        to = datetime.datetime.fromisoformat(d.pop("to"))

        reconciliation = cls(
            account=account,
            completed_at=completed_at,
            created_at=created_at,
            from_=from_,
            id=id,
            lines=lines,
            object_=object_,
            reason=reason,
            status=status,
            summary=summary,
            to=to,
        )

        reconciliation.additional_properties = d
        return reconciliation

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
