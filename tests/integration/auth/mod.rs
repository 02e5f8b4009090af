//! Auth profiles: the store file, order, resolution, cooldowns, OAuth refresh and locking.

mod concurrency;
mod conformance;
mod oauth;
mod order;
mod resolve;
mod store;
mod usage;
