//! The config loader.

mod fuzz;
mod load;
