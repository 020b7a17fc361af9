//! The test kit (dev only).
//!
//! - [`dns`]: the records external-dns and cert-manager leave in a cluster's zone.
//! - [`fake`]: an in-memory AWS behind `sakk-cloud`'s traits, with CREATING/DELETING phases,
//!   IAM propagation delays, latency, throttling, faults at the k-th write, and scripted EKS
//!   failure phases (DEGRADED, CREATE_FAILED, UPDATE_FAILED, stuck CREATING).
//! - [`memory`]: a state store in memory.
//! - [`moto`]: starts `moto_server` on a free loopback port and resets it between tests.
//! - [`proxy`]: an HTTP proxy between the AWS SDK and moto that counts calls (reads and
//!   writes), throttles, fails, delays, loses or holds answers, stops at the k-th write, serves
//!   the EKS APIs moto lacks (add-ons, access entries) from memory per moto, scripts EKS
//!   failure phases and gives each cluster creation its own OIDC issuer.

pub mod dns;
pub mod fake;
pub mod memory;
pub mod moto;
pub mod proxy;
