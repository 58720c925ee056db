"""Volcengine billing OpenAPI through the official SDK (volcenginesdkbilling on
volcenginesdkcore's SignerV4)."""

import json
import time

import pytest
import volcenginesdkbilling as billing
import volcenginesdkcore
from volcenginesdkcore.rest import ApiException

from conftest import account, bill_month, queue_fault


def api(acct, secret=None):
    configuration = volcenginesdkcore.Configuration()
    configuration.ak = acct["access_key_id"]
    configuration.sk = secret or acct["secret"]
    configuration.region = acct["region"] or "cn-beijing"
    configuration.host = acct["host"]
    configuration.scheme = "http"
    # A throttled answer must reach the test, not be retried away.
    configuration.auto_retry = False
    return billing.BILLINGApi(volcenginesdkcore.ApiClient(configuration))


def error_of(exception):
    return json.loads(exception.body)["ResponseMetadata"]["Error"]


@pytest.fixture
def acct(sims):
    return account(sims, "volcengine")


def test_balance(acct):
    result = api(acct).query_balance_acct(billing.QueryBalanceAcctRequest())
    float(result.available_balance)
    assert result.account_id


def test_bills_page_by_page_add_up_to_one_page(sims, acct):
    month = bill_month(sims)
    whole = api(acct).list_bill_detail(
        billing.ListBillDetailRequest(bill_period=month, limit=300, offset=0, group_period=1)
    )
    assert whole.total >= 2
    items = []
    while len(items) < whole.total:
        # The ListBill* family allows 5 requests/s per account (docs/providers.md).
        time.sleep(0.25)
        page = api(acct).list_bill_detail(
            billing.ListBillDetailRequest(
                bill_period=month, limit=2, offset=len(items), group_period=1
            )
        )
        assert page.list, f"empty page at offset {len(items)}"
        items.extend(page.list)
    assert len(items) == whole.total
    total = lambda rows: round(sum(float(r.payable_amount) for r in rows), 2)
    assert total(items) == total(whole.list)


def test_wrong_secret_surfaces_signature_does_not_match(acct):
    with pytest.raises(ApiException) as error:
        api(acct, secret=acct["secret"] + "x").query_balance_acct(
            billing.QueryBalanceAcctRequest()
        )
    detail = error_of(error.value)
    assert (error.value.status, detail["Code"], detail["CodeN"]) == (
        401,
        "SignatureDoesNotMatch",
        100010,
    )


def test_unknown_key_surfaces_invalid_access_key(acct):
    unknown = dict(acct, access_key_id=acct["access_key_id"] + "0")
    with pytest.raises(ApiException) as error:
        api(unknown).query_balance_acct(billing.QueryBalanceAcctRequest())
    detail = error_of(error.value)
    assert (detail["Code"], detail["CodeN"]) == ("InvalidAccessKey", 100009)


def test_throttled_call_surfaces_flow_limit(acct):
    queue_fault(acct["base_url"], {"fault": "throttle", "retry_after_s": 1})
    with pytest.raises(ApiException) as error:
        api(acct).query_balance_acct(billing.QueryBalanceAcctRequest())
    assert error.value.status == 429
    assert error_of(error.value)["Code"] == "FlowLimitExceeded"
