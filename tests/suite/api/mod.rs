//! The HTTP API, through a real socket.

mod auth;
mod health;
mod prices;
mod spec;
