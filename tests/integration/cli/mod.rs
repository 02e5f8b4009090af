//! The `claw-anthropic` command-line tool, run as a real process.

mod attempts;
mod commands;
mod config;
mod conformance;
mod hostile_auth;
mod replies;
mod secrets;
