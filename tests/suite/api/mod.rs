//! The HTTP API, through a real socket.

mod auth;
mod cache;
mod endpoints;
mod errors;
mod examples;
mod health;
mod prices;
mod spec;
