//! The Hospital Priceline service: configuration, the HTTP API, its OpenAPI document and the CLI.

pub mod audit;
pub mod auth;
pub mod cache;
pub mod cli;
pub mod config;
pub mod database;
pub mod db_threads;
pub mod docs;
pub mod fhir;
pub mod forwarded;
pub mod jobs;
pub mod lifecycle;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod pagination;
pub mod problem;
pub mod read_model;
pub mod replicas;
pub mod routes;
pub mod security;
pub mod server;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod views;
