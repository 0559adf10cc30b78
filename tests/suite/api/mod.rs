//! The HTTP API, through a real socket.

mod auth;
mod cache;
mod errors;
mod health;
mod prices;
mod spec;
