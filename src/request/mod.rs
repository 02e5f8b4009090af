//! Building Messages API requests ([requests](crate::compatibility#requests)).

pub mod build;
pub mod check;
pub mod messages;

pub use build::{AuthHeader, BuildOptions, BuiltRequest, CachePolicy, build_messages};
pub use messages::{ContentBlock, Message, MessageParam, MessageRequest};
