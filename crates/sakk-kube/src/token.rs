//! The EKS bearer token, made as `aws eks get-token` and `aws-iam-authenticator token` make it:
//! an STS `GetCallerIdentity` request presigned with SigV4 (signature in the query string,
//! `X-Amz-Expires=60`), with the header `x-k8s-aws-id: <cluster name>` among the signed headers,
//! sent to the region's own STS host; the token is `k8s-aws-v1.` followed by the unpadded
//! base64url of that URL. Signing is local: no call is made.
//!
//! The API server's authenticator presents the URL to STS, which answers with the caller's ARN.
//! STS accepts the URL for 15 minutes after its `X-Amz-Date`; like both tools, sakk reports an
//! expiry of 14 minutes so kubectl asks for a new token in time.

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::fmt;
use std::time::{Duration, SystemTime};

/// The prefix of every EKS token.
pub const TOKEN_PREFIX: &str = "k8s-aws-v1.";

/// The header that binds a token to one cluster.
pub const CLUSTER_ID_HEADER: &str = "x-k8s-aws-id";

/// How long a token is reported valid (STS honours the URL for 15 minutes; one is kept in hand).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(14 * 60);

/// `X-Amz-Expires` of the presigned URL. STS ignores it for this call, but the authenticator
/// requires it and both reference tools send 60.
const PRESIGN_EXPIRES: Duration = Duration::from_secs(60);

/// A bearer token for one EKS cluster. Its `Debug` form never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct EksToken {
    token: String,
    expires_at: SystemTime,
}

impl EksToken {
    /// The token itself, for the `Authorization: Bearer` header or an `ExecCredential`.
    pub fn expose(&self) -> &str {
        &self.token
    }

    /// When clients should stop using it.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }
}

impl fmt::Debug for EksToken {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("EksToken")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Why no token could be made or read.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The cluster name or region cannot be put in a request.
    #[error("invalid {what}: {value:?}")]
    Invalid {
        /// What was invalid.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// SigV4 signing failed (bad inputs; signing itself makes no call).
    #[error("could not sign the STS request: {0}")]
    Signing(String),
    /// A token that is not `k8s-aws-v1.` + base64url of a URL.
    #[error("not an EKS token: {0}")]
    Malformed(&'static str),
}

/// The STS host of `region`'s partition, the only hosts the authenticator accepts.
pub fn sts_host(region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("sts.{region}.{suffix}")
}

/// Makes the token for `cluster` in `region` with `credentials`, signed at `now`.
pub fn eks_token(
    credentials: &Credentials,
    region: &str,
    cluster: &str,
    now: SystemTime,
) -> Result<EksToken, TokenError> {
    let url = presign(credentials, region, cluster, now)?;
    Ok(EksToken {
        token: format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(url.as_bytes())),
        expires_at: now + TOKEN_LIFETIME,
    })
}

/// The presigned `GetCallerIdentity` URL the token carries.
pub fn presign(
    credentials: &Credentials,
    region: &str,
    cluster: &str,
    now: SystemTime,
) -> Result<String, TokenError> {
    check_label("region", region)?;
    if cluster.is_empty()
        || cluster.len() > 100
        || !cluster
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(TokenError::Invalid {
            what: "cluster name",
            value: cluster.to_owned(),
        });
    }
    let host = sts_host(region);
    let base = format!("https://{host}/?Action=GetCallerIdentity&Version=2011-06-15");
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(PRESIGN_EXPIRES);
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(now)
        .settings(settings)
        .build()
        .map_err(|error| TokenError::Signing(error.to_string()))?
        .into();
    let headers = [("host", host.as_str()), (CLUSTER_ID_HEADER, cluster)];
    let signable =
        SignableRequest::new("GET", &base, headers.into_iter(), SignableBody::Bytes(&[]))
            .map_err(|error| TokenError::Signing(error.to_string()))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|error| TokenError::Signing(error.to_string()))?
        .into_parts();
    let mut request = http::Request::builder()
        .method("GET")
        .uri(&base)
        .body(())
        .map_err(|error| TokenError::Signing(error.to_string()))?;
    instructions.apply_to_request_http1x(&mut request);
    Ok(request.uri().to_string())
}

/// The presigned URL inside a token (for the tests' authenticator and for diagnostics).
pub fn presigned_url(token: &str) -> Result<String, TokenError> {
    let encoded = token
        .strip_prefix(TOKEN_PREFIX)
        .ok_or(TokenError::Malformed("it does not start with k8s-aws-v1."))?;
    if encoded.len() > 4096 {
        return Err(TokenError::Malformed("it is longer than 4 KiB"));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| TokenError::Malformed("its body is not unpadded base64url"))?;
    String::from_utf8(bytes).map_err(|_| TokenError::Malformed("its URL is not UTF-8"))
}

fn check_label(what: &'static str, value: &str) -> Result<(), TokenError> {
    if value.is_empty()
        || !value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(TokenError::Invalid {
            what,
            value: value.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(token: Option<&str>) -> Credentials {
        Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token.map(str::to_owned),
            None,
            "test",
        )
    }

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn the_token_is_the_prefixed_base64url_of_a_presigned_sts_url() {
        let now = at(1_795_000_000);
        let token = eks_token(&credentials(None), "eu-west-1", "ml-dev", now).expect("test value");
        assert!(token.expose().starts_with(TOKEN_PREFIX));
        assert!(!token.expose().contains('='), "no padding");
        assert_eq!(token.expires_at(), now + TOKEN_LIFETIME);
        let url = presigned_url(token.expose()).expect("test value");
        assert!(url.starts_with(
            "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&"
        ));
        for part in [
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Credential=AKIDEXAMPLE%2F20261118%2Feu-west-1%2Fsts%2Faws4_request",
            "X-Amz-Expires=60",
            "X-Amz-SignedHeaders=host%3Bx-k8s-aws-id",
            "X-Amz-Signature=",
        ] {
            assert!(url.contains(part), "{part} missing in {url}");
        }
        assert!(!url.contains("X-Amz-Security-Token"));
    }

    #[test]
    fn a_session_token_travels_in_the_url_and_debug_hides_the_token() {
        let token = eks_token(
            &credentials(Some("SESSION/TOKEN+1")),
            "us-east-2",
            "a",
            at(1_795_000_000),
        )
        .expect("test value");
        let url = presigned_url(token.expose()).expect("test value");
        assert!(
            url.contains("X-Amz-Security-Token=SESSION%2FTOKEN%2B1"),
            "{url}"
        );
        let debug = format!("{token:?}");
        assert!(!debug.contains(token.expose()) && debug.contains("<redacted>"));
    }

    #[test]
    fn the_same_inputs_give_the_same_token_and_another_cluster_another() {
        let now = at(1_795_000_000);
        let one = eks_token(&credentials(None), "us-east-2", "one", now).expect("test value");
        assert_eq!(
            one,
            eks_token(&credentials(None), "us-east-2", "one", now).expect("test value")
        );
        assert_ne!(
            one,
            eks_token(&credentials(None), "us-east-2", "two", now).expect("test value")
        );
    }

    #[test]
    fn china_regions_use_their_partition_host() {
        assert_eq!(sts_host("cn-north-1"), "sts.cn-north-1.amazonaws.com.cn");
        assert_eq!(sts_host("us-gov-west-1"), "sts.us-gov-west-1.amazonaws.com");
    }

    #[test]
    fn bad_inputs_and_foreign_tokens_are_refused() {
        let now = at(1_795_000_000);
        for (region, cluster) in [
            ("", "a"),
            ("EU", "a"),
            ("eu-west-1", ""),
            ("eu-west-1", "a/b"),
        ] {
            assert!(matches!(
                eks_token(&credentials(None), region, cluster, now),
                Err(TokenError::Invalid { .. })
            ));
        }
        for token in ["Bearer x", "k8s-aws-v1.@@@", "k8s-aws-v1.wyg"] {
            assert!(presigned_url(token).is_err(), "{token}");
        }
        let long = format!("{TOKEN_PREFIX}{}", "A".repeat(5000));
        assert!(presigned_url(&long).is_err());
    }
}
