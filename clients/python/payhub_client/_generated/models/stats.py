from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.stats_object import StatsObject

if TYPE_CHECKING:
    from ..models.account_stats import AccountStats
    from ..models.event_stream_stats import EventStreamStats
    from ..models.resolution_backlog import ResolutionBacklog
    from ..models.review_queue import ReviewQueue
    from ..models.routing_stats import RoutingStats


T = TypeVar("T", bound="Stats")


@_attrs_define
class Stats:
    """Operator counters over ``window_seconds`` (``GET /v1/admin/stats?window=1h``).

    Attributes:
        accounts (list[AccountStats]):
        event_stream (EventStreamStats):
        generated_at (datetime.datetime):
        object_ (StatsObject):
        requires_review (ReviewQueue):
        resolution_backlog (ResolutionBacklog):
        routing (RoutingStats):
        since (datetime.datetime):
        window_seconds (int):
    """

    accounts: list[AccountStats]
    event_stream: EventStreamStats
    generated_at: datetime.datetime
    object_: StatsObject
    requires_review: ReviewQueue
    resolution_backlog: ResolutionBacklog
    routing: RoutingStats
    since: datetime.datetime
    window_seconds: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        accounts = []
        for accounts_item_data in self.accounts:
            accounts_item = accounts_item_data.to_dict()
            accounts.append(accounts_item)

        event_stream = self.event_stream.to_dict()

        generated_at = self.generated_at.isoformat()

        object_ = self.object_.value

        requires_review = self.requires_review.to_dict()

        resolution_backlog = self.resolution_backlog.to_dict()

        routing = self.routing.to_dict()

        since = self.since.isoformat()

        window_seconds = self.window_seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "accounts": accounts,
                "event_stream": event_stream,
                "generated_at": generated_at,
                "object": object_,
                "requires_review": requires_review,
                "resolution_backlog": resolution_backlog,
                "routing": routing,
                "since": since,
                "window_seconds": window_seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.account_stats import AccountStats  # noqa: PLC0415
        from ..models.event_stream_stats import EventStreamStats  # noqa: PLC0415
        from ..models.resolution_backlog import ResolutionBacklog  # noqa: PLC0415
        from ..models.review_queue import ReviewQueue  # noqa: PLC0415
        from ..models.routing_stats import RoutingStats  # noqa: PLC0415

        d = dict(src_dict)
        accounts = []
        _accounts = d.pop("accounts")
        for accounts_item_data in _accounts:
            accounts_item = AccountStats.from_dict(accounts_item_data)

            accounts.append(accounts_item)

        event_stream = EventStreamStats.from_dict(d.pop("event_stream"))

        generated_at = datetime.datetime.fromisoformat(d.pop("generated_at"))

        object_ = StatsObject(d.pop("object"))

        requires_review = ReviewQueue.from_dict(d.pop("requires_review"))

        resolution_backlog = ResolutionBacklog.from_dict(d.pop("resolution_backlog"))

        routing = RoutingStats.from_dict(d.pop("routing"))

        since = datetime.datetime.fromisoformat(d.pop("since"))

        window_seconds = d.pop("window_seconds")

        stats = cls(
            accounts=accounts,
            event_stream=event_stream,
            generated_at=generated_at,
            object_=object_,
            requires_review=requires_review,
            resolution_backlog=resolution_backlog,
            routing=routing,
            since=since,
            window_seconds=window_seconds,
        )

        stats.additional_properties = d
        return stats

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
