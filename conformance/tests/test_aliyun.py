"""Alibaba Cloud BSS OpenAPI through the official SDK (alibabacloud_bssopenapi20171214, which
signs ACS3-HMAC-SHA256 and sends `IsGroupByProduct=True`, Python's spelling)."""

import pytest
from alibabacloud_bssopenapi20171214 import models
from alibabacloud_bssopenapi20171214.client import Client
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.models import Config

from conftest import account, bill_day, bill_month, queue_fault


def client(acct, secret=None):
    config = Config(
        access_key_id=acct["access_key_id"],
        access_key_secret=secret or acct["secret"],
        endpoint=acct["host"],
        protocol="http",
        read_timeout=10000,
        connect_timeout=5000,
    )
    return Client(config)


@pytest.fixture
def acct(sims):
    return account(sims, "aliyun")


def test_balance(acct):
    body = client(acct).query_account_balance().body
    assert body.success is True and body.code == "200"
    assert body.data.currency == "CNY"
    float(body.data.available_amount)


def bill_page(acct, day, page_num, page_size):
    request = models.QueryAccountBillRequest(
        billing_cycle=day[:7],
        granularity="DAILY",
        billing_date=day,
        is_group_by_product=True,
        page_num=page_num,
        page_size=page_size,
    )
    return client(acct).query_account_bill(request).body.data


def test_bills_page_by_page_add_up_to_one_page(sims, acct):
    day = bill_day(sims)
    whole = bill_page(acct, day, 1, 300)
    assert whole.total_count >= 2, "the demo day has several products"
    items = []
    page_num = 1
    while len(items) < whole.total_count:
        page = bill_page(acct, day, page_num, 1)
        assert page.items.item, f"page {page_num} is empty before the total"
        items.extend(page.items.item)
        page_num += 1
    assert len(items) == whole.total_count
    assert round(sum(i.pretax_amount for i in items), 2) == round(
        sum(i.pretax_amount for i in whole.items.item), 2
    )
    # Grouped by product because the SDK's `True` was understood.
    assert all(i.product_code for i in items)


def test_monthly_overview(sims, acct):
    request = models.QueryBillOverviewRequest(billing_cycle=bill_month(sims))
    data = client(acct).query_bill_overview(request).body.data
    assert data.items.item


def test_wrong_secret_surfaces_signature_does_not_match(acct):
    with pytest.raises(AlibabaCloudException) as error:
        client(acct, secret=acct["secret"] + "x").query_account_balance()
    assert (error.value.code, error.value.status_code) == ("SignatureDoesNotMatch", 400)


def test_throttled_call_surfaces_throttling_user(acct):
    queue_fault(acct["base_url"], {"fault": "throttle", "retry_after_s": 1})
    with pytest.raises(AlibabaCloudException) as error:
        client(acct).query_account_balance()
    assert error.value.code == "Throttling.User"
    # The simulator sends x-acs-retry-after, which the SDK turns into a wait hint.
    assert error.value.retry_after
