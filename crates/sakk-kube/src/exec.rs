//! The `ExecCredential` a kubeconfig's `exec` user prints for kubectl and client libraries
//! (client-go's credential plugin protocol).
//!
//! The API version is the one the client asks for in `KUBERNETES_EXEC_INFO` (an ExecCredential
//! whose `apiVersion` says what it understands), else `client.authentication.k8s.io/v1beta1`,
//! as `aws eks get-token` does.

use crate::token::EksToken;
use serde_json::{Value, json};

/// The API versions of the credential plugin protocol sakk speaks.
pub const API_VERSIONS: [&str; 2] = [
    "client.authentication.k8s.io/v1beta1",
    "client.authentication.k8s.io/v1",
];

/// The version used when the client does not say.
pub const DEFAULT_API_VERSION: &str = "client.authentication.k8s.io/v1beta1";

/// Why `KUBERNETES_EXEC_INFO` could not be honoured.
#[derive(Debug, thiserror::Error)]
pub enum ExecInfoError {
    /// Not JSON, or no `apiVersion`.
    #[error("KUBERNETES_EXEC_INFO is not an ExecCredential with an apiVersion")]
    Unreadable,
    /// A protocol version sakk does not speak.
    #[error("KUBERNETES_EXEC_INFO asks for {0}, which sakk does not speak")]
    Unsupported(String),
}

/// The API version to answer with, from the value of `KUBERNETES_EXEC_INFO` when set.
pub fn api_version(exec_info: Option<&str>) -> Result<&'static str, ExecInfoError> {
    let Some(text) = exec_info.filter(|text| !text.trim().is_empty()) else {
        return Ok(DEFAULT_API_VERSION);
    };
    let value: Value = serde_json::from_str(text).map_err(|_| ExecInfoError::Unreadable)?;
    let asked = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .ok_or(ExecInfoError::Unreadable)?;
    API_VERSIONS
        .into_iter()
        .find(|known| *known == asked)
        .ok_or_else(|| ExecInfoError::Unsupported(asked.to_owned()))
}

/// The `ExecCredential` JSON for `token`.
pub fn exec_credential(token: &EksToken, exec_info: Option<&str>) -> Result<String, ExecInfoError> {
    let credential = json!({
        "kind": "ExecCredential",
        "apiVersion": api_version(exec_info)?,
        "spec": {},
        "status": {
            "expirationTimestamp": humantime::format_rfc3339_seconds(token.expires_at()).to_string(),
            "token": token.expose(),
        },
    });
    Ok(credential.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::eks_token;
    use aws_credential_types::Credentials;
    use std::time::{Duration, SystemTime};

    fn token() -> EksToken {
        let credentials = Credentials::new("AKID", "SECRET", None, None, "test");
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        eks_token(&credentials, "eu-west-1", "ml-dev", now).expect("test value")
    }

    #[test]
    fn the_credential_has_the_token_and_its_expiry() {
        let token = token();
        let text = exec_credential(&token, None).expect("test value");
        let value: Value = serde_json::from_str(&text).expect("test value");
        assert_eq!(value["kind"], "ExecCredential");
        assert_eq!(value["apiVersion"], DEFAULT_API_VERSION);
        assert_eq!(value["status"]["token"], token.expose());
        assert_eq!(
            value["status"]["expirationTimestamp"],
            "2026-11-18T11:20:40Z"
        );
    }

    #[test]
    fn the_client_chooses_the_version_it_understands() {
        let asked = r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}"#;
        assert_eq!(
            api_version(Some(asked)).expect("test value"),
            API_VERSIONS[1]
        );
        assert_eq!(
            api_version(Some("  ")).expect("test value"),
            DEFAULT_API_VERSION
        );
        assert!(matches!(
            api_version(Some(
                r#"{"apiVersion":"client.authentication.k8s.io/v1alpha1"}"#
            )),
            Err(ExecInfoError::Unsupported(_))
        ));
        assert!(matches!(
            api_version(Some("not json")),
            Err(ExecInfoError::Unreadable)
        ));
    }
}
