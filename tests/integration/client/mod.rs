//! The client: SSE parsing and streams, transport safety, load and crash safety.

mod concurrency;
mod headroom;
mod replies;
mod sse;
mod stream;
mod trace;
mod transport;
