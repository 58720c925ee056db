"""Shared fixtures: the simulators' ports file (written by `suanpan simulators`) and the control
endpoint every simulator serves (`POST /__sim/faults`)."""

import json
import os
import urllib.request

import pytest


@pytest.fixture(scope="session")
def sims():
    path = os.environ.get("SUANPAN_SIM_PORTS")
    if not path:
        pytest.exit("SUANPAN_SIM_PORTS is not set: run the suite through conformance/run.sh", 2)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def account(sims, provider):
    """The first demo account of `provider`, with its simulator's base URL and host."""
    entry = sims[provider]
    acct = dict(entry["accounts"][0])
    acct["base_url"] = entry["base_url"]
    acct["host"] = entry["base_url"].split("://", 1)[1]
    return acct


def queue_fault(base_url, fault):
    """Queues `fault` (e.g. {"fault": "throttle", "retry_after_s": 1}) for the next request."""
    request = urllib.request.Request(
        f"{base_url}/__sim/faults",
        data=json.dumps(fault).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status < 300, response.status


def bill_month(sims):
    """`YYYY-MM` of the simulators' today: the month that always has bills."""
    return sims["today"][:7]


def bill_day(sims):
    return sims["today"]
