"""Baidu AI Cloud billing through the official SDK's signer and HTTP client (bce-python-sdk's
BceBaseClient: bce-auth-v1, default signed headers, `Content-Length` on every request). The SDK
has no billing module, so the calls name the documented paths. Without retries the SDK raises
BceHttpClientError carrying the server's code and status."""

import json

import pytest
from baidubce import bce_client_configuration
from baidubce.auth.bce_credentials import BceCredentials
from baidubce.bce_base_client import BceBaseClient
from baidubce.exception import BceHttpClientError
from baidubce.http import http_methods
from baidubce.retry.retry_policy import NoRetryPolicy

from conftest import account, bill_day, bill_month, queue_fault


class BillingClient(BceBaseClient):
    def __init__(self, acct, secret=None):
        config = bce_client_configuration.BceClientConfiguration(
            credentials=BceCredentials(acct["access_key_id"], secret or acct["secret"]),
            endpoint=acct["base_url"].encode(),
            retry_policy=NoRetryPolicy(),
        )
        super().__init__(config)

    def _compute_service_id(self):
        # The SDK derives it from its own module path (baidubce.services.<id>).
        return "billing"

    def balance(self):
        return self._send_request(http_methods.POST, b"/v1/finance/cash/balance")

    def month_bills(self, month, begin, end, page_no, page_size):
        params = {
            b"month": month.encode(),
            b"beginTime": begin.encode(),
            b"endTime": end.encode(),
            b"productType": b"postpay",
            b"pageNo": str(page_no).encode(),
            b"pageSize": str(page_size).encode(),
        }
        return self._send_request(http_methods.GET, b"/v1/bill/resource/month", params=params)


@pytest.fixture
def acct(sims):
    return account(sims, "baidu")


def test_balance(acct):
    answer = BillingClient(acct).balance()
    assert isinstance(answer.cash_balance, (int, float))


def test_bills_page_by_page_add_up_to_one_page(sims, acct):
    month, day = bill_month(sims), bill_day(sims)
    whole = BillingClient(acct).month_bills(month, f"{month}-01", day, 1, 100)
    assert whole.total_count >= 2
    bills = []
    page_no = 1
    while len(bills) < whole.total_count:
        page = BillingClient(acct).month_bills(month, f"{month}-01", day, page_no, 1)
        assert page.bills, f"page {page_no} is empty before the total"
        bills.extend(page.bills)
        page_no += 1
    total = lambda rows: round(sum(b.finance_price for b in rows), 2)
    assert total(bills) == total(whole.bills)


def test_wrong_secret_surfaces_signature_does_not_match(acct):
    with pytest.raises(BceHttpClientError) as error:
        BillingClient(acct, secret=acct["secret"] + "x").balance()
    assert (error.value.code, error.value.status_code) == ("SignatureDoesNotMatch", 400)


def test_unknown_key_surfaces_invalid_access_key_id(acct):
    unknown = dict(acct, access_key_id="0" + acct["access_key_id"][1:])
    with pytest.raises(BceHttpClientError) as error:
        BillingClient(unknown).balance()
    assert (error.value.code, error.value.status_code) == ("InvalidAccessKeyId", 403)


def test_throttled_call_surfaces_429(acct):
    queue_fault(acct["base_url"], {"fault": "throttle", "retry_after_s": 1})
    with pytest.raises(BceHttpClientError) as error:
        BillingClient(acct).balance()
    assert error.value.status_code == 429
