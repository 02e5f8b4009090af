//! Request building and the Messages wire format.

mod build;
mod properties;
mod serialization;
