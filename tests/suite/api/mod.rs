//! The HTTP API, through a real socket.

mod cache;
mod health;
mod prices;
mod spec;
