//! sakk end to end against moto on 127.0.0.1, through the fault-injecting proxy: the real
//! binary, the real AWS SDK, real HTTP. Nothing leaves the machine: the tests set dummy
//! credentials, disable the instance metadata service and point every client at loopback.

mod apply;
mod crash;
mod destroy;
mod harness;
mod kube;
mod lock;
mod outputs;
mod phases;
mod saved_plan;
mod secrets;
mod throttle;
