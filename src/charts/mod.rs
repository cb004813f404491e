//! Charts (placeholder)
