"""Prometheus metrics: requests by route, and gauges read from the database at scrape time.

Several gunicorn workers each keep their own counters. When PROMETHEUS_MULTIPROC_DIR names
a directory (empty at start, writable by every worker), prometheus-client writes them there
and a scrape of any worker adds up all of them; without it each process answers alone.
The database gauges are computed at each scrape, so they need no sharing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from django.db import DatabaseError
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# labels are a pattern, a method and a class: a path with ids would make a series per record
REQUESTS = Counter(
    "dossier_http_requests",
    "HTTP requests answered, by URL pattern, method and status class",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "dossier_http_request_duration_seconds",
    "Time to answer an HTTP request, by URL pattern, method and status class",
    ["route", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def observe_request(*, route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its duration."""
    labels = {
        "route": route,
        "method": method if method in METHODS else "other",
        "status": f"{status // 100}xx",
    }
    REQUESTS.labels(**labels).inc()
    LATENCY.labels(**labels).observe(seconds)


class DatabaseGauges(Collector):
    """Task queue depth and age, import speed and webhook deliveries, read at scrape time."""

    def collect(self) -> Iterator[Metric]:
        from dossier.ops import selectors

        up = GaugeMetricFamily(
            "dossier_metrics_database_up", "1 when the scrape could read the database"
        )
        try:
            backlog = selectors.queue_backlog()
            imports = selectors.import_speed()
            deliveries = selectors.webhook_deliveries_by_status()
        except DatabaseError as error:
            logger.warning("metrics: database unreadable (%s)", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily(
            "dossier_task_queue_depth",
            "Tasks queued and due, waiting for a worker",
            labels=["queue"],
        )
        for queue, count in sorted(backlog.depth_by_queue.items()):
            depth.add_metric([queue], count)
        yield depth
        yield GaugeMetricFamily(
            "dossier_task_queue_oldest_age_seconds",
            "Seconds the oldest due task has waited (0: none waiting)",
            value=backlog.oldest_age_seconds,
        )
        yield GaugeMetricFamily(
            "dossier_imports_running", "Imports running now", value=imports.running
        )
        yield GaugeMetricFamily(
            "dossier_import_rows_done",
            "Rows done so far by the running imports",
            value=imports.rows_done,
        )
        yield GaugeMetricFamily(
            "dossier_import_rows_per_second",
            "Rows per second of the running imports together (each: rows over time so far)",
            value=imports.rows_per_second,
        )
        webhooks = GaugeMetricFamily(
            "dossier_webhook_deliveries",
            "Webhook deliveries by status (failed: given up after the last attempt)",
            labels=["status"],
        )
        for status, count in sorted(deliveries.items()):
            webhooks.add_metric([status], count)
        yield webhooks
        yield GaugeMetricFamily(
            "dossier_webhook_deliveries_failed",
            "Webhook deliveries given up after their last attempt",
            value=deliveries.get("failed", 0),
        )


class _ProcessMetrics(Collector):
    """This process's own registry (request metrics, process and platform figures)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition() -> bytes:
    """The text a scrape gets: request metrics (all workers' in multiprocess mode) and gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(DatabaseGauges())
    return generate_latest(registry)
