//! Integration tests: the real binary, driven as a user would.

#[path = "cli/shard.rs"]
mod shard;
