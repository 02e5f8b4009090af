//! Building Messages API requests (SPEC §5).

pub mod messages;
