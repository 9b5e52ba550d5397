from enum import StrEnum


class PaymentMethodInType(StrEnum):
    CARD = "card"
    PROVIDER_TOKEN = "provider_token"

    def __str__(self) -> str:
        return str(self.value)
