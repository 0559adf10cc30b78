//! The HTTP API, through a real socket.

mod health;
mod prices;
mod spec;
