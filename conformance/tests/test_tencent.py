"""Tencent Cloud billing API 3.0 through the official SDK (tencentcloud-sdk-python-billing,
TC3-HMAC-SHA256). The SDK reads an error body only when the answer's Content-Type is exactly
`application/json`; the endpoint is a bare address, so the signed service must be `billing`."""

import json

import pytest
from tencentcloud.billing.v20180709 import billing_client, models
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

from conftest import account, bill_month, queue_fault


def client(acct, secret=None, method="POST"):
    http = HttpProfile(protocol="http", endpoint=acct["host"], reqMethod=method, reqTimeout=10)
    profile = ClientProfile(httpProfile=http)
    cred = credential.Credential(acct["access_key_id"], secret or acct["secret"])
    return billing_client.BillingClient(cred, "", profile)


def summary(acct, begin, end=None, **kwargs):
    request = models.DescribeBillSummaryByProductRequest()
    request.from_json_string(json.dumps({"BeginTime": begin, "EndTime": end or begin}))
    return client(acct, **kwargs).DescribeBillSummaryByProduct(request)


@pytest.fixture
def acct(sims):
    return account(sims, "tencent")


def test_month_summary_by_post_and_by_get(sims, acct):
    month = bill_month(sims)
    posted = summary(acct, month)
    assert posted.Ready == 1 and posted.SummaryOverview
    # A GET carries the parameters form-encoded in the query (`:` escaped, space as `+`) and
    # signs that string as sent.
    got = summary(acct, f"{month}-01 00:00:00", month, method="GET")
    assert [o.RealTotalCost for o in got.SummaryOverview] == [
        o.RealTotalCost for o in posted.SummaryOverview
    ]


def test_wrong_secret_surfaces_signature_failure(sims, acct):
    with pytest.raises(TencentCloudSDKException) as error:
        summary(acct, bill_month(sims), secret=acct["secret"] + "x")
    assert error.value.code == "AuthFailure.SignatureFailure"
    assert error.value.requestId


def test_invalid_parameter_is_read_from_the_error_body(sims, acct):
    with pytest.raises(TencentCloudSDKException) as error:
        summary(acct, bill_month(sims), "2020-01")
    assert error.value.code == "InvalidParameterValue"


def test_throttled_call_surfaces_request_limit_exceeded(sims, acct):
    queue_fault(acct["base_url"], {"fault": "throttle", "retry_after_s": 1})
    with pytest.raises(TencentCloudSDKException) as error:
        summary(acct, bill_month(sims))
    assert error.value.code == "RequestLimitExceeded"
