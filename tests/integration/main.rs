//! Integration tests of `claw-anthropic`, in one test binary: one module per area.
//!
//! Run one area with a filter, e.g. `cargo test --all-features --test integration retry::`.
//! Shared helpers (temp `$HOME`s, stores, loopback servers, clients with a manual clock) live
//! in [`support`], each defined once. Fixtures are under `tests/fixtures/`.
//!
//! | module          | what it covers                                                        |
//! |-----------------|-----------------------------------------------------------------------|
//! | `config`        | the JSON5 loader over fixture files; property tests of the loader     |
//! | `auth`          | profile store, order, resolution, cooldowns, OAuth refresh, locking    |
//! | `request`       | request building (golden files), wire round trips, property tests     |
//! | `client`        | SSE and streams, transport safety, load and crash safety              |
//! | `retry`         | the retry schedule, profile rotation, model fallback, injected faults |
//! | `mock_server`   | the loopback mock server itself                                       |
//! | `hostile_input` | random bytes, deep nesting, huge strings, invalid UTF-8 and NUL bytes  |
//! | `fleet`         | fleet mode against a real `redis-server`: shared cooldowns, outages    |
//! | `cli`           | the `claw-anthropic` binary end to end, conformance replay, secrets   |

mod support;

mod auth;
mod cli;
mod client;
mod config;
#[cfg(all(feature = "redis", feature = "mock"))]
mod fleet;
mod hostile_input;
mod mock_server;
mod request;
mod retry;
