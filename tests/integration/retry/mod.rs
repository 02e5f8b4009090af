//! Retry and failover: the retry schedule, profile rotation and cooldowns written to the store,
//! model fallback, profile pins and sessions (`failover`), the outcome of every fault the mock
//! server can inject (`faults`), and when a stream may be retried or rotated (`streams`).

mod attempts;
mod failover;
mod faults;
mod streams;
