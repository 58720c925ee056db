//! What the five clients share to talk HTTP: [`ProviderHttp`] (the account, its base URL, the
//! reqwest client and the request gate), building URLs and sending a request
//! (reading the answer: `answer.rs`).

use std::future::Future;

use url::Url;

use super::{AccountConfig, Answer, ProviderError, RequestGate};
use crate::billing::model::Provider;
use crate::signing::{encoded_query, AccessKey, RequestSignature, SignableRequest};

/// One account's connection to its provider, which the provider modules talk through. `http` carries the
/// timeouts; clones share the gate's rate limiter.
#[derive(Clone)]
pub struct ProviderHttp {
    account: AccountConfig,
    base: Url,
    http: reqwest::Client,
    gate: RequestGate,
}

impl std::fmt::Debug for ProviderHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderHttp")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl ProviderHttp {
    pub fn new(account: AccountConfig, http: reqwest::Client, gate: RequestGate) -> Self {
        let base = account.endpoint.clone();
        ProviderHttp {
            account,
            base,
            http,
            gate,
        }
    }

    pub fn account(&self) -> &AccountConfig {
        &self.account
    }

    /// The same account, key and gate (so its rate limit and retries) at another base URL: a
    /// provider whose services live on different hosts (Volcengine's IAM).
    pub(super) fn at(&self, base: Url) -> Self {
        ProviderHttp { base, ..self.clone() }
    }

    fn provider(&self) -> Provider {
        self.account.provider
    }

    /// The configured endpoint.
    pub(super) fn base(&self) -> &Url {
        &self.base
    }

    /// The account's name, as its bill lines and balances carry it.
    pub(super) fn name(&self) -> &str {
        &self.account.name
    }

    /// The access key the signers sign with.
    fn key(&self) -> AccessKey<'_> {
        AccessKey {
            id: &self.account.access_key_id,
            secret: &self.account.secret,
        }
    }

    /// `op` through the account's [`RequestGate`].
    pub(super) async fn run<T, F, Fut>(&self, op: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        self.gate.run(op).await
    }

    /// `path` under the endpoint, with `query` RFC 3986 encoded as the signers encode it.
    pub(super) fn url(&self, path: &str, query: &[(String, String)]) -> Url {
        let mut url = endpoint_url(&self.base, path);
        set_query(&mut url, query);
        url
    }

    /// The request to sign for `url`: its host and path, with `query` (as put into the URL),
    /// `headers` and `body`.
    pub(super) fn signable(
        method: &reqwest::Method,
        url: &Url,
        query: Vec<(String, String)>,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> SignableRequest {
        SignableRequest {
            method: method.as_str().to_owned(),
            host: host_header(url),
            path: url.path().to_owned(),
            query,
            headers,
            body,
        }
    }

    /// Signs `request` with `sign` and the account's key, adds the signature's headers and sends
    /// it with its body.
    pub(super) async fn send_signed(
        &self,
        action: &str,
        method: reqwest::Method,
        url: Url,
        mut request: SignableRequest,
        sign: impl FnOnce(&SignableRequest, AccessKey<'_>) -> RequestSignature,
    ) -> Result<Answer, ProviderError> {
        let signature = sign(&request, self.key());
        request.apply(&signature);
        self.send(action, method, url, &request.headers, request.body).await
    }

    /// Sends one request. `headers` are sent as given and `Host` is set explicitly to what was
    /// signed.
    pub(super) async fn send(
        &self,
        action: &str,
        method: reqwest::Method,
        url: Url,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<Answer, ProviderError> {
        let provider = self.provider();
        let method_has_body = matches!(method.as_str(), "POST" | "PUT" | "PATCH");
        let mut request = self
            .http
            .request(method, url.clone())
            .header(reqwest::header::HOST, host_header(&url));
        for (name, value) in headers {
            if !name.eq_ignore_ascii_case("host") {
                request = request.header(name.as_str(), value.as_str());
            }
        }
        if !body.is_empty() {
            request = request.body(body);
        } else if method_has_body {
            // reqwest states no length for an empty body; the official SDKs send 0, and some
            // gateways refuse a POST without it (411).
            request = request.header(reqwest::header::CONTENT_LENGTH, "0");
        }
        let response = request
            .send()
            .await
            .map_err(|e| ProviderError::from_reqwest(provider, action, e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| ProviderError::from_reqwest(provider, action, e))?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// `answer` when its status is 2xx, else the error `error_from` reads from it, redacted.
    pub(super) fn successful(
        &self,
        answer: Answer,
        error_from: impl FnOnce(&Answer) -> ProviderError,
    ) -> Result<Answer, ProviderError> {
        if answer.is_success() {
            Ok(answer)
        } else {
            self.redacted(Err(error_from(&answer)))
        }
    }

    /// `result` with the account's secret taken out of any error: some providers echo a
    /// credential they refuse, and the error goes to the log, the sync record and the page.
    pub(super) fn redacted<T>(&self, result: Result<T, ProviderError>) -> Result<T, ProviderError> {
        result.map_err(|e| e.redacting(&self.account.secret))
    }
}

/// The `Host` header value, and the value every signer signs as `host`: host, plus the port
/// when it is not the scheme's default (`url` drops default ports).
fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// `base` with `path` appended to its own path, no query.
fn endpoint_url(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{prefix}{path}"));
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// Sets the query to `pairs`, RFC 3986 encoded as the signers encode them, so the bytes sent
/// decode to exactly what was signed.
fn set_query(url: &mut Url, pairs: &[(String, String)]) {
    let query = encoded_query(pairs);
    url.set_query(if query.is_empty() { None } else { Some(&query) });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_hosts() {
        let base = Url::parse("http://127.0.0.1:8080/").unwrap();
        let mut url = endpoint_url(&base, "/v1/bill/resource/month");
        assert_eq!(host_header(&url), "127.0.0.1:8080");
        set_query(
            &mut url,
            &[
                ("month".into(), "2024-05".into()),
                ("a b".into(), "c/d".into()),
            ],
        );
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8080/v1/bill/resource/month?month=2024-05&a%20b=c%2Fd"
        );
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs[1], ("a b".to_owned(), "c/d".to_owned()));
        let real = Url::parse("https://business.aliyuncs.com").unwrap();
        assert_eq!(
            host_header(&endpoint_url(&real, "/")),
            "business.aliyuncs.com"
        );
        assert_eq!(
            endpoint_url(&real, "/").as_str(),
            "https://business.aliyuncs.com/"
        );
    }
}
