from enum import StrEnum


class PaymentMethodObject(StrEnum):
    PAYMENT_METHOD = "payment_method"

    def __str__(self) -> str:
        return str(self.value)
