"""A history: the client's steps of one seed, generated up front.

Each step carries its own ``seed`` for the faults drawn while it runs, so dropping steps
(shrinking) leaves the others' faults as they were. Payments are named by ``slot``: the
n-th payment the history created (modulo how many exist when the step runs).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

APPROVE = "4242424242424242"
DECLINE = "4000000000000002"
SERVER_ERROR = "4000000000000341"  # 500 without charging
CARDS = ((APPROVE, 8), (DECLINE, 1), (SERVER_ERROR, 1))

KINDS = (
    ("pay", 6),
    ("capture", 4),
    ("void", 2),
    ("refund", 4),
    ("repeat", 3),
    ("concurrent", 2),
    ("advance", 4),
    ("webhooks", 4),
    ("crash", 1),
    ("payout", 2),
)
# paid; failed AC04; paid then returned (adapters/simulator/app.py TEST_IBANS)
IBANS = ("DE89370400440532013000", "DE24370400440000000404", "DE61370400440000000999")


@dataclass(frozen=True)
class Step:
    kind: str
    seed: int
    slot: int = 0
    amount: int | None = None
    card: str = APPROVE  # payout: the IBAN
    automatic: bool = False
    target: int = 0  # repeat: the step (index) repeated; concurrent: 0 capture|void, 1 refund|refund
    seconds: float = 0.0

    def describe(self) -> str:
        if self.kind == "pay":
            mode = "automatic" if self.automatic else "manual"
            return f"pay {self.amount} card {self.card[-4:]} {mode}"
        if self.kind in ("capture", "refund"):
            return f"{self.kind} slot {self.slot} amount {self.amount or 'all'}"
        if self.kind == "payout":
            return f"payout {self.amount} to {self.card[-4:]}"
        if self.kind == "void":
            return f"void slot {self.slot}"
        if self.kind == "repeat":
            return f"repeat step {self.target}"
        if self.kind == "concurrent":
            return f"concurrent {('capture|void', 'refund|refund')[self.target]} slot {self.slot}"
        if self.kind == "advance":
            return f"advance {self.seconds:g}s"
        return self.kind


def generate(seed: int, steps: int) -> list[Step]:
    rng = random.Random(f"payhub-simulation:{seed}")
    out: list[Step] = []
    names = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    for i in range(steps):
        kind = "pay" if i == 0 else rng.choices(names, weights)[0]
        sub = rng.getrandbits(32)
        slot = rng.randrange(8)
        if kind == "pay":
            card = rng.choices([c for c, _ in CARDS], [w for _, w in CARDS])[0]
            out.append(Step("pay", sub, amount=rng.choice((500, 1000, 2500)), card=card,
                            automatic=rng.random() < 0.3))
        elif kind in ("capture", "refund"):
            amount = rng.choice((None, None, 200, 400))
            out.append(Step(kind, sub, slot=slot, amount=amount))
        elif kind == "payout":
            out.append(Step("payout", sub, amount=rng.choice((700, 1500)), card=rng.choice(IBANS)))
        elif kind == "repeat":
            out.append(Step("repeat", sub, target=rng.randrange(i)))
        elif kind == "concurrent":
            out.append(Step("concurrent", sub, slot=slot, target=rng.randrange(2)))
        elif kind == "advance":
            out.append(Step("advance", sub, seconds=rng.choice((1.0, 5.0, 30.0, 120.0, 900.0))))
        else:
            out.append(Step(kind, sub, slot=slot))
    return out


def params(seed: int) -> tuple[float, float, float, str]:
    """The history's fault rates (provider calls, lost jobs, lost webhooks) and how the
    simulated provider's ambiguous operations are resolved: ``lookup`` (the simulator's own
    way) or ``replay`` first (as Stripe and Adyen accounts resolve captures, voids, refunds
    and payouts)."""
    rng = random.Random(f"payhub-simulation-rates:{seed}")
    rates = rng.choice((0.0, 0.1, 0.2, 0.35)), rng.choice((0.0, 0.1, 0.3)), rng.choice((0.0, 0.2, 0.5))
    return (*rates, rng.choice(("lookup", "replay")))
