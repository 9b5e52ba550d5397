from enum import StrEnum


class RoutingExplanationObject(StrEnum):
    ROUTING_EXPLANATION = "routing_explanation"

    def __str__(self) -> str:
        return str(self.value)
