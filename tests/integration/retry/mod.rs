//! Retry and failover: the retry schedule, profile rotation and cooldowns written to the store,
//! model fallback, profile pins and sessions (`failover`), and the outcome of every fault the
//! mock server can inject (`faults`).

mod failover;
mod faults;
