//! The HTTP API, through a real socket.

mod auth;
mod cache;
mod charge_lines;
mod compare;
mod endpoints;
mod errors;
mod head;
mod health;
mod labels;
mod observability;
mod prices;
mod sample;
mod spec;
mod startup;
