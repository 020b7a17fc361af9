//! The AWS implementation of `sakk-cloud`'s traits, on the official AWS SDK for Rust. The only
//! crate of sakk that depends on `aws-config` and `aws-sdk-*`.
//!
//! - Configuration comes from the usual places (environment, profile, SSO caches the SDK
//!   reads, instance metadata unless `AWS_EC2_METADATA_DISABLED`), and `AWS_ENDPOINT_URL` sends
//!   every client elsewhere. S3 uses virtual-hosted addressing (`bucket.host`), the SDK's
//!   default, except with an endpoint on a loopback address (an emulator on this machine,
//!   where `bucket.127.0.0.1` cannot resolve): that alone gets path-style addressing.
//! - The SDK's own retries are off: the engine retries by error class, re-finding a resource
//!   before it repeats a create whose answer was lost, which a blind SDK retry cannot do.
//! - Every SDK error becomes a [`CloudError`] with AWS's code, message and request ID.

mod dynamodb;
mod ec2;
mod eks;
mod iam;
mod misc;
mod objects;
mod route53;
mod s3;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::operation::RequestId;
use sakk_cloud::{BackendServices, Cloud, CloudError, ErrorKind, classify};
use std::sync::Arc;
use std::time::Duration;

/// A connected account and region.
pub struct Aws {
    config: aws_types_config::SdkConfig,
}

/// Re-exported so callers need not name the SDK.
mod aws_types_config {
    pub use aws_config::SdkConfig;
}

/// Why no credentials could be found.
#[derive(Debug, thiserror::Error)]
#[error("no AWS credentials: {0}")]
pub struct CredentialsError(String);

/// Why no connection could be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// No region anywhere.
    #[error("no AWS region: set AWS_REGION or a region in the AWS profile")]
    NoRegion,
}

impl Aws {
    /// Loads the configuration for `region` (or the environment's region).
    pub async fn connect(region: Option<&str>) -> Result<Self, ConnectError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .operation_attempt_timeout(Duration::from_secs(90))
                    .build(),
            );
        if let Some(region) = region {
            loader = loader.region(aws_config::Region::new(region.to_owned()));
        }
        let config = loader.load().await;
        if config.region().is_none() {
            return Err(ConnectError::NoRegion);
        }
        Ok(Self { config })
    }

    /// A connection to an AWS emulator (moto, LocalStack) at `endpoint`: fixed dummy
    /// credentials, so no credential source (and never the instance metadata service) is
    /// consulted. Only in builds with the `test-hooks` feature (the test crates).
    #[cfg(feature = "test-hooks")]
    pub async fn emulator(region: &str, endpoint: &str) -> Self {
        let credentials =
            aws_credential_types::Credentials::new("testing", "testing", None, None, "emulator");
        let config = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::disabled())
            .region(aws_config::Region::new(region.to_owned()))
            .endpoint_url(endpoint)
            .credentials_provider(credentials)
            .load()
            .await;
        Self { config }
    }

    /// True when credentials can be found (without calling any AWS service).
    pub async fn has_credentials(&self) -> bool {
        use aws_credential_types::provider::ProvideCredentials;
        match self.config.credentials_provider() {
            Some(provider) => provider.provide_credentials().await.is_ok(),
            None => false,
        }
    }

    /// The credentials of the default chain, resolved now (for signing an EKS token locally;
    /// no AWS call is made).
    pub async fn credentials(&self) -> Result<aws_credential_types::Credentials, CredentialsError> {
        use aws_credential_types::provider::ProvideCredentials;
        let provider = self
            .config
            .credentials_provider()
            .ok_or_else(|| CredentialsError("no credential provider is configured".into()))?;
        provider
            .provide_credentials()
            .await
            .map_err(|error| CredentialsError(DisplayErrorContext(&error).to_string()))
    }

    /// The connection for the state backend: its own region, and its own AWS profile when the
    /// backend names one (`profile` in backend.hcl), as Terraform's S3 backend does.
    pub async fn connect_backend(region: &str, profile: Option<&str>) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .operation_attempt_timeout(Duration::from_secs(60))
                    .build(),
            )
            .region(aws_config::Region::new(region.to_owned()));
        if let Some(profile) = profile {
            loader = loader.profile_name(profile);
        }
        Self {
            config: loader.load().await,
        }
    }

    /// The services the state backend and `sakk init` use.
    pub fn backend(&self) -> BackendServices {
        let config = &self.config;
        let client = s3_client(config);
        BackendServices {
            region: self.region(),
            sts: Arc::new(misc::StsClient(aws_sdk_sts::Client::new(config))),
            s3: Arc::new(s3::S3Client {
                client: client.clone(),
                region: self.region(),
            }),
            objects: Arc::new(objects::ObjectsClient(client)),
            dynamodb: Arc::new(dynamodb::DynamoDbClient(aws_sdk_dynamodb::Client::new(
                config,
            ))),
        }
    }

    /// The region.
    pub fn region(&self) -> String {
        self.config
            .region()
            .map(|region| region.to_string())
            .unwrap_or_default()
    }

    /// The endpoint override, when an emulator is in use.
    pub fn endpoint(&self) -> Option<String> {
        self.config.endpoint_url().map(str::to_owned)
    }

    /// Every service, behind the engine's traits.
    pub fn cloud(&self) -> Cloud {
        let config = &self.config;
        Cloud {
            region: self.region(),
            sts: Arc::new(misc::StsClient(aws_sdk_sts::Client::new(config))),
            ec2: Arc::new(ec2::Ec2Client(aws_sdk_ec2::Client::new(config))),
            iam: Arc::new(iam::IamClient(aws_sdk_iam::Client::new(config))),
            kms: Arc::new(misc::KmsClient(aws_sdk_kms::Client::new(config))),
            logs: Arc::new(misc::LogsClient(aws_sdk_cloudwatchlogs::Client::new(
                config,
            ))),
            eks: Arc::new(eks::EksClient(aws_sdk_eks::Client::new(config))),
            route53: Arc::new(route53::Route53Client(aws_sdk_route53::Client::new(config))),
            s3: Arc::new(s3::S3Client {
                client: s3_client(config),
                region: self.region(),
            }),
            elb: Arc::new(misc::ElbClient(
                aws_sdk_elasticloadbalancingv2::Client::new(config),
            )),
            tagging: Arc::new(misc::TaggingClient(
                aws_sdk_resourcegroupstagging::Client::new(config),
            )),
        }
    }
}

/// The S3 client: virtual-hosted addressing, as the SDK does by default, except for an
/// endpoint on a loopback address (the one emulator setting; see [`path_style`]).
fn s3_client(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let s3_config = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(config.endpoint_url().is_some_and(path_style))
        .build();
    aws_sdk_s3::Client::from_conf(s3_config)
}

/// True for an endpoint on this machine (`localhost`, `127.0.0.0/8`, `[::1]`): an emulator
/// answering on one host, where a virtual-hosted bucket name (`bucket.127.0.0.1`) cannot
/// resolve. Any other endpoint (a VPC endpoint, a FIPS endpoint) keeps S3's virtual-hosted
/// addressing.
fn path_style(endpoint: &str) -> bool {
    let rest = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

/// Converts an SDK error, keeping AWS's code, message and request ID.
pub(crate) fn convert<E>(
    service: &'static str,
    operation: &'static str,
    error: SdkError<E, HttpResponse>,
) -> CloudError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let request_id = error.request_id().map(str::to_owned);
    let (kind, code, message) = match &error {
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            let code = error.code().unwrap_or_default().to_owned();
            let message = error
                .message()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("HTTP {status}"));
            (classify(&code, Some(status)), code, message)
        }
        SdkError::TimeoutError(_) => (
            ErrorKind::Unavailable,
            "Timeout".to_owned(),
            "no answer in time".to_owned(),
        ),
        SdkError::ResponseError(_) => (
            ErrorKind::Unavailable,
            "ResponseError".to_owned(),
            DisplayErrorContext(&error).to_string(),
        ),
        SdkError::DispatchFailure(failure) => {
            let text = DisplayErrorContext(&error).to_string();
            if text.contains("credentials") || text.contains("Credentials") {
                (
                    ErrorKind::AccessDenied,
                    "CredentialsNotLoaded".to_owned(),
                    "no AWS credentials found".to_owned(),
                )
            } else if failure.is_io() || failure.is_timeout() {
                (ErrorKind::Unavailable, "NetworkError".to_owned(), text)
            } else {
                (ErrorKind::Unavailable, "DispatchFailure".to_owned(), text)
            }
        }
        _ => (
            ErrorKind::Other,
            "ConstructionFailure".to_owned(),
            DisplayErrorContext(&error).to_string(),
        ),
    };
    CloudError::new(service, operation, kind, code, message).with_request_id(request_id)
}

/// A request the SDK refused to build (a required field missing: a bug in sakk).
pub(crate) fn invalid(
    service: &'static str,
    operation: &'static str,
    error: impl std::fmt::Display,
) -> CloudError {
    CloudError::new(
        service,
        operation,
        ErrorKind::Invalid,
        "BuildError",
        error.to_string(),
    )
}

/// Decodes the URL-encoded policy documents IAM returns.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' if index + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(value) => {
                        out.push(value);
                        index += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        index += 1;
                    }
                }
            }
            byte => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_loopback_endpoint_gets_path_style_addressing() {
        for endpoint in [
            "http://127.0.0.1:5000",
            "http://127.0.0.1",
            "http://localhost:4566/",
            "http://[::1]:9000",
            "http://127.1.2.3:80/path",
        ] {
            assert!(path_style(endpoint), "{endpoint}");
        }
        for endpoint in [
            "https://s3.us-east-2.amazonaws.com",
            "https://bucket.vpce-0123-abcd.s3.us-east-2.vpce.amazonaws.com",
            "https://s3-fips.us-east-2.amazonaws.com",
            "http://10.0.0.5:9000",
            "http://localhost.example.com",
        ] {
            assert!(!path_style(endpoint), "{endpoint}");
        }
    }

    #[test]
    fn policy_documents_are_decoded() {
        assert_eq!(
            percent_decode("%7B%22Version%22%3A%222012-10-17%22%7D"),
            "{\"Version\":\"2012-10-17\"}"
        );
        assert_eq!(percent_decode("{\"a\": 1}"), "{\"a\": 1}");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
