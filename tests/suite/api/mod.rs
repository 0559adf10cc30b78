//! The HTTP API, through a real socket.

mod acceptance;
mod audit;
mod auth;
mod cache;
mod charge_lines;
mod compare;
mod docs;
mod endpoints;
mod errors;
mod gateway;
mod head;
mod health;
mod import_replicas;
mod imports;
mod labels;
mod lifecycle;
mod observability;
mod parser;
mod prices;
mod proxy;
mod sample;
mod spec;
mod startup;
mod unknown_parameters;
