//! What both simulators repeat: the FIFO fault queues, request counters, JSON answers (each
//! simulator with its provider's content type), the `/__sim/faults` route and the other control
//! bodies, and the hold/release gate that stops traffic at a point a test chooses.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// A poisoned lock only means another handler panicked; the data is still usable.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The first half of a JSON text (on a char boundary), which never parses.
pub fn truncated(text: &str) -> &str {
    let mut end = text.len() / 2;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Adds `Retry-After` in whole seconds.
pub fn with_retry_after(mut response: Response, retry_after_s: Option<u64>) -> Response {
    if let Some(secs) = retry_after_s {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// JSON answers with one simulator's content type (the providers differ in the charset).
#[derive(Clone, Copy, Debug)]
pub struct Json(pub &'static str);

impl Json {
    pub fn response(self, status: StatusCode, body: &Value) -> Response {
        (status, [(header::CONTENT_TYPE, self.0)], body.to_string()).into_response()
    }

    /// A control request's body as `T`, or 400 `{"error": "bad <what>: …"}`.
    pub fn parse<T: DeserializeOwned>(self, body: &[u8], what: &str) -> Result<T, Response> {
        serde_json::from_slice(body).map_err(|err| self.control_error(format!("bad {what}: {err}")))
    }

    pub fn control_error(self, message: String) -> Response {
        self.response(StatusCode::BAD_REQUEST, &json!({"error": message}))
    }
}

/// Faults queued per key (endpoint or provider); each request there takes one, first in first out.
pub struct FaultQueue<K, F> {
    queues: Mutex<HashMap<K, VecDeque<F>>>,
}

impl<K, F> Default for FaultQueue<K, F> {
    fn default() -> Self {
        FaultQueue { queues: Mutex::default() }
    }
}

impl<K: Eq + Hash + Copy + std::fmt::Debug, F: std::fmt::Debug> FaultQueue<K, F> {
    /// Queues `fault` behind those already waiting at `key`; answers how many wait there now.
    pub fn push(&self, key: K, fault: F) -> usize {
        tracing::debug!(?key, ?fault, "simulator fault queued");
        let mut queues = lock(&self.queues);
        let queue = queues.entry(key).or_default();
        queue.push_back(fault);
        queue.len()
    }

    pub fn pop(&self, key: K) -> Option<F> {
        let fault = lock(&self.queues).get_mut(&key)?.pop_front();
        if let Some(fault) = &fault {
            tracing::debug!(?key, ?fault, "simulator fault applied");
        }
        fault
    }

    pub fn len(&self, key: K) -> usize {
        lock(&self.queues).get(&key).map_or(0, VecDeque::len)
    }

    pub fn clear(&self, key: K) {
        lock(&self.queues).remove(&key);
    }
}

/// Request counters per key, read by tests and `/__sim/stats`.
pub struct Counts<K> {
    counts: Mutex<HashMap<K, u64>>,
}

impl<K> Default for Counts<K> {
    fn default() -> Self {
        Counts { counts: Mutex::default() }
    }
}

impl<K: Eq + Hash> Counts<K> {
    pub fn bump(&self, key: K) {
        *lock(&self.counts).entry(key).or_default() += 1;
    }

    pub fn get(&self, key: K) -> u64 {
        lock(&self.counts).get(&key).copied().unwrap_or(0)
    }
}

/// Lets a number of requests through, then holds every further one until released: a test stops
/// a run mid-way at a point it chooses.
#[derive(Default)]
pub struct Hold {
    /// Requests still let through before holding; `None`: no hold.
    remaining: Mutex<Option<u64>>,
    released: tokio::sync::Notify,
    held: AtomicU64,
}

impl Hold {
    pub fn hold_after(&self, n: u64) {
        *lock(&self.remaining) = Some(n);
    }

    pub fn release(&self) {
        *lock(&self.remaining) = None;
        self.released.notify_waiters();
    }

    /// Requests waiting now.
    pub fn held(&self) -> u64 {
        self.held.load(Ordering::SeqCst)
    }

    /// Returns at once unless a hold applies to this request; then when released.
    pub async fn wait(&self) {
        let must_wait = match lock(&self.remaining).as_mut() {
            None => false,
            Some(0) => true,
            Some(n) => {
                *n -= 1;
                false
            }
        };
        if !must_wait {
            return;
        }
        self.held.fetch_add(1, Ordering::SeqCst);
        loop {
            // Registered before the check, so a release between the two is not missed.
            let released = self.released.notified();
            if lock(&self.remaining).is_none() {
                break;
            }
            released.await;
        }
        self.held.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `POST /__sim/faults`: the body read as a `R` and handed to `queue`, which queues its fault and
/// answers how many wait → `{"queued": n}`; a body that is no `R` → 400.
pub fn fault_route<S, R>(state: S, json: Json, queue: fn(&S, R) -> usize) -> Router
where
    S: Clone + Send + Sync + 'static,
    R: DeserializeOwned + 'static,
{
    let push = move |State(state): State<S>, body: Bytes| async move {
        match json.parse::<R>(&body, "fault") {
            Ok(request) => json.response(StatusCode::OK, &json!({"queued": queue(&state, request)})),
            Err(response) => response,
        }
    };
    Router::new().route("/__sim/faults", post(push)).with_state(state)
}

/// `POST /__sim/hold` with `{"after": n}` and `POST /__sim/release`, for a test driving a server
/// from outside (a browser test holds a sync mid-way, then releases it).
pub fn hold_routes(hold: Arc<Hold>, json: Json) -> Router {
    #[derive(serde::Deserialize)]
    struct HoldRequest {
        after: u64,
    }
    let hold_after = move |State(hold): State<Arc<Hold>>, body: Bytes| async move {
        match json.parse::<HoldRequest>(&body, "hold") {
            Ok(h) => {
                hold.hold_after(h.after);
                json.response(StatusCode::OK, &json!({"hold_after": h.after}))
            }
            Err(response) => response,
        }
    };
    let release = move |State(hold): State<Arc<Hold>>| async move {
        hold.release();
        json.response(StatusCode::OK, &json!({"released": true}))
    };
    Router::new()
        .route("/__sim/hold", post(hold_after))
        .route("/__sim/release", post(release))
        .with_state(hold)
}

/// A simulator serving on a tokio task, and the handle its tests and the app drive it with.
pub struct Running<C> {
    pub addr: std::net::SocketAddr,
    pub control: C,
    pub handle: tokio::task::JoinHandle<()>,
}

impl<C> Running<C> {
    /// `http://addr`, where the simulator's routes are.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn shutdown(self) {
        self.handle.abort();
    }
}

/// Binds `addr` (port 0 picks a free port) and serves `app` until the task is aborted; `name`
/// says which simulator in the log.
pub async fn serve<C>(addr: std::net::SocketAddr, app: Router, control: C, name: &'static str) -> std::io::Result<Running<C>> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let handle = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::warn!(%err, simulator = name, "simulator stopped");
        }
    });
    tracing::debug!(%addr, simulator = name, "simulator listening");
    Ok(Running { addr, control, handle })
}

/// Test calls to the `/__sim/*` routes of a simulator at `base` (`http://addr`).
#[cfg(test)]
pub mod test_client {
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    /// POSTs `body` as JSON to `{base}/__sim/{route}`; the status.
    pub async fn post(base: &str, route: &str, body: &Value) -> u16 {
        let response = reqwest::Client::new()
            .post(format!("{base}/__sim/{route}"))
            .json(body)
            .send()
            .await
            .expect("control request");
        response.status().as_u16()
    }

    /// GETs `{base}/__sim/{route}` and reads its JSON.
    pub async fn get<T: DeserializeOwned>(base: &str, route: &str) -> T {
        let response = reqwest::get(format!("{base}/__sim/{route}")).await.expect("control request");
        response.json().await.expect("control JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_first_in_first_out_per_key() {
        let queue = FaultQueue::<u8, &str>::default();
        queue.push(1, "a");
        assert_eq!(queue.push(1, "b"), 2, "the queue's length after it");
        queue.push(2, "c");
        assert_eq!((queue.len(1), queue.len(2), queue.len(3)), (2, 1, 0));
        assert_eq!(queue.pop(1), Some("a"));
        queue.clear(2);
        assert_eq!((queue.pop(1), queue.pop(1), queue.pop(2)), (Some("b"), None, None));
    }

    #[test]
    fn truncated_json_never_parses() {
        let text = "{\"a\":\"数据\"}";
        assert!(serde_json::from_str::<Value>(truncated(text)).is_err());
    }

    #[tokio::test]
    async fn hold_lets_n_through_then_waits_for_release() {
        let hold = Arc::new(Hold::default());
        hold.hold_after(1);
        hold.wait().await;
        let waiting = tokio::spawn({
            let hold = hold.clone();
            async move { hold.wait().await }
        });
        while hold.held() == 0 {
            tokio::task::yield_now().await;
        }
        hold.release();
        waiting.await.expect("released");
        assert_eq!(hold.held(), 0);
    }
}
