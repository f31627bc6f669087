# Child process for intercept-python.test.ts: Python apps using httpx and requests at the providers' real URLs.
# Only HTTPS_PROXY and SSL_CERT_FILE / REQUESTS_CA_BUNDLE (the pod's ca-bundle.pem) point them at the sidecar.
import base64
import json

import httpx
import requests

results = {}

with httpx.Client(timeout=30) as client:
    created = client.post(
        "https://api.openai.com/v1/chat/completions",
        headers={"authorization": "Bearer app-placeholder-key-never-forwarded"},
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]},
    )
    results["httpxCreate"] = {"status": created.status_code, "body": created.json()}
    with client.stream(
        "POST",
        "https://api.deepseek.com/chat/completions",
        headers={"x-simulator-fixture": "deepseek/deepseek-text"},
        json={"model": "deepseek-chat", "stream": True, "messages": []},
    ) as streamed:
        raw = b"".join(streamed.iter_raw())
        results["httpxStream"] = {"status": streamed.status_code, "base64": base64.b64encode(raw).decode()}

response = requests.post(
    "https://api.anthropic.com/v1/messages",
    headers={
        "x-api-key": "app-placeholder-key-never-forwarded",
        "anthropic-version": "2023-06-01",
        "x-simulator-fixture": "anthropic/sdk-basic_response",
    },
    json={"model": "claude-sonnet-4-5", "max_tokens": 16, "stream": True, "messages": []},
    stream=True,
    timeout=30,
)
raw = b"".join(response.iter_content(chunk_size=None))
results["requestsStream"] = {"status": response.status_code, "base64": base64.b64encode(raw).decode()}

print(json.dumps(results))
