//! The S3 state backend end to end on moto on 127.0.0.1: the real `sakk` binary and AWS SDK,
//! each concurrent process through its own fault-injecting proxy. `sakk init`; two applies
//! racing for the lock; a holder killed with SIGKILL; a holder stopped past its lease and
//! fenced off; unlock, pull, push, history and restore. Nothing leaves the machine: dummy
//! credentials, no instance metadata, every endpoint on loopback.

mod commands;
mod harness;
mod init;
mod locks;
