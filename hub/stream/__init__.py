"""The event stream (DESIGN §16): every event of ``/v1/events`` published to Kafka from the outbox.

* :mod:`hub.stream.config`    the ``[events.kafka]`` settings
* :mod:`hub.stream.publisher` the small publisher interface and its confluent-kafka implementation
* :mod:`hub.stream.outbox`    reading unpublished events in order, marking them published
* :mod:`hub.stream.lease`     one relay at a time (a lease row in the database)
* :mod:`hub.stream.relay`     the loop tying them together
"""
