"""Reads a topic with Confluent's own deserializers and prints one JSON line per record.

usage: decode.py <brokers> <registry url> <topic> <avro|json> <count>

Reads from the beginning until <count> records were read (or 60 s passed); each line is
{"partition", "offset", "value"}, value being what the deserializer made of the record.
"""
import json
import sys
import time

from confluent_kafka import Consumer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

brokers, registry_url, topic, kind, count = sys.argv[1:6]
registry = SchemaRegistryClient({"url": registry_url})
deserialize = (
    AvroDeserializer(registry) if kind == "avro" else JSONDeserializer(None, schema_registry_client=registry)
)
consumer = Consumer(
    {
        "bootstrap.servers": brokers,
        "group.id": f"wire-decoder-{time.time()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    }
)
consumer.subscribe([topic])
read = 0
deadline = time.time() + 60
try:
    while read < int(count) and time.time() < deadline:
        message = consumer.poll(1.0)
        if message is None:
            continue
        if message.error():
            raise SystemExit(f"consumer error: {message.error()}")
        value = deserialize(message.value(), SerializationContext(topic, MessageField.VALUE))
        print(json.dumps({"partition": message.partition(), "offset": message.offset(), "value": value}), flush=True)
        read += 1
finally:
    consumer.close()
if read < int(count):
    raise SystemExit(f"read {read} of {count} records within 60 s")
