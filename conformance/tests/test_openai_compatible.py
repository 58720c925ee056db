"""DeepSeek's balance and DashScope's OpenAI-compatible chat through the official `openai` SDK,
and DashScope's Wanx text-to-image task through the official `dashscope` SDK."""

import dashscope
import openai
import pytest
from dashscope import ImageSynthesis

from conftest import account, queue_fault


def deepseek(acct, key=None):
    return openai.OpenAI(api_key=key or acct["secret"], base_url=acct["base_url"], max_retries=0)


def qwen(sims, key=None):
    entry = sims["dashscope"]
    return openai.OpenAI(
        api_key=key or entry["api_key"],
        base_url=f"{entry['base_url']}/compatible-mode/v1",
        max_retries=0,
    )


@pytest.fixture
def ds(sims):
    return account(sims, "deepseek")


def test_deepseek_balance(ds):
    balance = deepseek(ds).get("/user/balance", cast_to=object)
    assert balance["is_available"] in (True, False)
    assert balance["balance_infos"][0]["currency"] in ("CNY", "USD")


def test_deepseek_wrong_key(ds):
    with pytest.raises(openai.AuthenticationError) as error:
        deepseek(ds, key=ds["secret"] + "x").get("/user/balance", cast_to=object)
    assert error.value.status_code == 401


def test_deepseek_throttled(ds):
    queue_fault(ds["base_url"], {"fault": "throttle", "retry_after_s": 1})
    with pytest.raises(openai.RateLimitError):
        deepseek(ds).get("/user/balance", cast_to=object)


def test_dashscope_chat_streams_usage(sims):
    stream = qwen(sims).chat.completions.create(
        model="qwen-max",
        messages=[{"role": "user", "content": "你好"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    assert chunks[-1].usage and chunks[-1].usage.total_tokens > 0


def test_dashscope_wrong_key(sims):
    with pytest.raises(openai.AuthenticationError) as error:
        qwen(sims, key="sk-wrong").chat.completions.create(
            model="qwen-max", messages=[{"role": "user", "content": "hi"}]
        )
    assert error.value.code == "invalid_api_key"


def test_dashscope_throttled(sims):
    queue_fault(sims["dashscope"]["base_url"], {"endpoint": "chat", "fault": "throttle"})
    with pytest.raises(openai.RateLimitError) as error:
        qwen(sims).chat.completions.create(
            model="qwen-max", messages=[{"role": "user", "content": "hi"}]
        )
    assert error.value.status_code == 429


def test_dashscope_image_task(sims):
    entry = sims["dashscope"]
    dashscope.base_http_api_url = f"{entry['base_url']}/api/v1"
    result = ImageSynthesis.call(
        api_key=entry["api_key"],
        model="wanx2.1-t2i-plus",
        prompt="一只算盘",
        n=1,
        size="1024*1024",
    )
    assert result.status_code == 200, result
    assert result.output.task_status == "SUCCEEDED"
    assert result.output.results[0].url
