from enum import StrEnum


class WebhookDeliveryAttemptObject(StrEnum):
    WEBHOOK_DELIVERY_ATTEMPT = "webhook_delivery_attempt"

    def __str__(self) -> str:
        return str(self.value)
