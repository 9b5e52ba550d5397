from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.audit_record_object import AuditRecordObject

if TYPE_CHECKING:
    from ..models.audit_actor import AuditActor
    from ..models.audit_record_after_type_0 import AuditRecordAfterType0
    from ..models.audit_record_before_type_0 import AuditRecordBeforeType0


T = TypeVar("T", bound="AuditRecord")


@_attrs_define
class AuditRecord:
    """One entry of the tamper-evident audit log (``hash`` chains to ``prev_hash``).

    Attributes:
        action (str):
        actor (AuditActor):
        after (AuditRecordAfterType0 | None):
        at (datetime.datetime):
        before (AuditRecordBeforeType0 | None):
        detail (None | str):
        hash_ (str):
        id (str):
        object_ (AuditRecordObject):
        prev_hash (str):
        request_id (None | str):
        resource_id (None | str):
        resource_type (None | str):
        seq (int):
        source_ip (None | str):
        success (bool):
    """

    action: str
    actor: AuditActor
    after: AuditRecordAfterType0 | None
    at: datetime.datetime
    before: AuditRecordBeforeType0 | None
    detail: None | str
    hash_: str
    id: str
    object_: AuditRecordObject
    prev_hash: str
    request_id: None | str
    resource_id: None | str
    resource_type: None | str
    seq: int
    source_ip: None | str
    success: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.audit_record_after_type_0 import AuditRecordAfterType0  # noqa: PLC0415
        from ..models.audit_record_before_type_0 import AuditRecordBeforeType0  # noqa: PLC0415

        action = self.action

        actor = self.actor.to_dict()

        after: dict[str, Any] | None
        if isinstance(self.after, AuditRecordAfterType0):
            after = self.after.to_dict()
        else:
            after = self.after

        at = self.at.isoformat()

        before: dict[str, Any] | None
        if isinstance(self.before, AuditRecordBeforeType0):
            before = self.before.to_dict()
        else:
            before = self.before

        detail: None | str
        detail = self.detail

        hash_ = self.hash_

        id = self.id

        object_ = self.object_.value

        prev_hash = self.prev_hash

        request_id: None | str
        request_id = self.request_id

        resource_id: None | str
        resource_id = self.resource_id

        resource_type: None | str
        resource_type = self.resource_type

        seq = self.seq

        source_ip: None | str
        source_ip = self.source_ip

        success = self.success

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "actor": actor,
                "after": after,
                "at": at,
                "before": before,
                "detail": detail,
                "hash": hash_,
                "id": id,
                "object": object_,
                "prev_hash": prev_hash,
                "request_id": request_id,
                "resource_id": resource_id,
                "resource_type": resource_type,
                "seq": seq,
                "source_ip": source_ip,
                "success": success,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_actor import AuditActor  # noqa: PLC0415
        from ..models.audit_record_after_type_0 import AuditRecordAfterType0  # noqa: PLC0415
        from ..models.audit_record_before_type_0 import AuditRecordBeforeType0  # noqa: PLC0415

        d = dict(src_dict)
        action = d.pop("action")

        actor = AuditActor.from_dict(d.pop("actor"))

        def _parse_after(data: object) -> AuditRecordAfterType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                after_type_0 = AuditRecordAfterType0.from_dict(data)

                return after_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AuditRecordAfterType0 | None, data)

        after = _parse_after(d.pop("after"))

        at = datetime.datetime.fromisoformat(d.pop("at"))

        def _parse_before(data: object) -> AuditRecordBeforeType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                before_type_0 = AuditRecordBeforeType0.from_dict(data)

                return before_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AuditRecordBeforeType0 | None, data)

        before = _parse_before(d.pop("before"))

        def _parse_detail(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        detail = _parse_detail(d.pop("detail"))

        hash_ = d.pop("hash")

        id = d.pop("id")

        object_ = AuditRecordObject(d.pop("object"))

        prev_hash = d.pop("prev_hash")

        def _parse_request_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        request_id = _parse_request_id(d.pop("request_id"))

        def _parse_resource_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        resource_id = _parse_resource_id(d.pop("resource_id"))

        def _parse_resource_type(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        resource_type = _parse_resource_type(d.pop("resource_type"))

        seq = d.pop("seq")

        def _parse_source_ip(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        source_ip = _parse_source_ip(d.pop("source_ip"))

        success = d.pop("success")

        audit_record = cls(
            action=action,
            actor=actor,
            after=after,
            at=at,
            before=before,
            detail=detail,
            hash_=hash_,
            id=id,
            object_=object_,
            prev_hash=prev_hash,
            request_id=request_id,
            resource_id=resource_id,
            resource_type=resource_type,
            seq=seq,
            source_ip=source_ip,
            success=success,
        )

        audit_record.additional_properties = d
        return audit_record

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
