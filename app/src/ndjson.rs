//! Newline-delimited JSON over a streamed server-function answer: the server writes one value
//! per line, the browser decodes lines as bytes arrive.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub fn to_line<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising our plain types cannot fail; an empty line is skipped by the decoder.
    let mut line = serde_json::to_vec(value).unwrap_or_default();
    line.push(b'\n');
    line
}

/// Network chunks may cut anywhere, even inside a UTF-8 character, so bytes wait in the buffer
/// until their line is complete.
pub struct LineDecoder<T> {
    buf: Vec<u8>,
    _of: PhantomData<T>,
}

impl<T> Default for LineDecoder<T> {
    fn default() -> Self {
        LineDecoder { buf: Vec::new(), _of: PhantomData }
    }
}

impl<T: DeserializeOwned> LineDecoder<T> {
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<T, String>> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=pos).collect();
            let line = &line[..line.len() - 1];
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            out.push(serde_json::from_slice(line).map_err(|e| e.to_string()));
        }
        out
    }

    /// Bytes left without a closing newline (a stream cut mid-line).
    pub fn has_leftover(&self) -> bool {
        !self.buf.iter().all(u8::is_ascii_whitespace)
    }
}

/// Follows something that changes until it ends: the answer's first line is `first`, then every
/// `every` the server asks `next` again and writes a line whenever the value differs from the
/// last one written, until `ended` holds for it. An error is written as the stream's last item.
#[cfg(feature = "ssr")]
pub fn follow<T, N, F>(first: T, every: std::time::Duration, next: N, ended: fn(&T) -> bool) -> server_fn::codec::ByteStream<crate::error::AppError>
where
    T: Serialize + PartialEq + Send + 'static,
    N: FnMut() -> F + Send + 'static,
    F: std::future::Future<Output = Result<T, crate::error::AppError>> + Send,
{
    let lines = futures::stream::unfold((next, Some(first), None::<T>), move |(mut next, pending, last)| async move {
        let value = match pending {
            Some(v) => v,
            None => {
                if ended(last.as_ref()?) {
                    return None;
                }
                loop {
                    tokio::time::sleep(every).await;
                    match next().await {
                        Ok(v) if Some(&v) != last.as_ref() => break v,
                        Ok(_) => continue,
                        Err(e) => return Some((Err(e), (next, None, None))),
                    }
                }
            }
        };
        let line = to_line(&value);
        Some((Ok(line), (next, None, Some(value))))
    });
    server_fn::codec::ByteStream::new(lines)
}

/// Reads a streamed answer line by line, handing each decoded value (or the line's decoding
/// error) to `each`. True when the stream ended cleanly: no transport error, no cut line.
pub async fn read_lines<T: DeserializeOwned>(stream: server_fn::codec::ByteStream<crate::error::AppError>, mut each: impl FnMut(Result<T, String>)) -> bool {
    use futures::StreamExt;
    let mut stream = stream.into_inner();
    let mut decoder = LineDecoder::<T>::default();
    while let Some(chunk) = stream.next().await {
        let Ok(bytes) = chunk else { return false };
        for value in decoder.push(&bytes) {
            each(value);
        }
    }
    !decoder.has_leftover()
}
