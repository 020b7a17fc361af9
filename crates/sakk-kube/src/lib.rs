//! Access to an EKS cluster without the aws CLI or kubectl.
//!
//! - [`token`]: the EKS bearer token (a presigned STS `GetCallerIdentity` URL), made locally.
//! - [`exec`]: the `ExecCredential` that `sakk token` prints for kubectl and client libraries.
//! - [`kubeconfig`]: the cluster's kubeconfig entry with sakk as its credential plugin, merged
//!   into the user's file without touching other entries.
//!
//! No function here prints; the CLI decides what to show.

pub mod exec;
pub mod kubeconfig;
pub mod token;

pub use exec::exec_credential;
pub use kubeconfig::{Entry, Exec, KubeconfigError};
pub use token::{EksToken, TokenError, eks_token};
