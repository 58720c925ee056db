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
