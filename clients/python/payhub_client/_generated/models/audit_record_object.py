from enum import StrEnum


class AuditRecordObject(StrEnum):
    AUDIT_RECORD = "audit_record"

    def __str__(self) -> str:
        return str(self.value)
