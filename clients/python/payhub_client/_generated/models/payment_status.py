from enum import StrEnum


class PaymentStatus(StrEnum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    FAILED = "failed"
    PROCESSING = "processing"
    REFUNDED = "refunded"
    REQUIRES_ACTION = "requires_action"
    VOIDED = "voided"

    def __str__(self) -> str:
        return str(self.value)
