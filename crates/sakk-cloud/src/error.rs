//! One error type for every cloud call, classified so the engine can decide what to retry.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What went wrong, in the terms the engine's retry rules use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The resource does not exist (or is not visible yet).
    NotFound,
    /// The service asked us to slow down.
    Throttled,
    /// The credentials may not do this (or there are none).
    AccessDenied,
    /// The resource already exists, or the request conflicts with its current state.
    Conflict,
    /// Something else still depends on the resource.
    DependencyViolation,
    /// The resource is busy (an update or deletion is in progress).
    InUse,
    /// The request is invalid.
    Invalid,
    /// The service or the network failed; the request may or may not have been applied.
    Unavailable,
    /// Anything else.
    Other,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::NotFound => "not found",
            ErrorKind::Throttled => "throttled",
            ErrorKind::AccessDenied => "access denied",
            ErrorKind::Conflict => "conflict",
            ErrorKind::DependencyViolation => "dependency violation",
            ErrorKind::InUse => "in use",
            ErrorKind::Invalid => "invalid request",
            ErrorKind::Unavailable => "service unavailable",
            ErrorKind::Other => "error",
        })
    }
}

/// A failed cloud call: which service and operation, the classified kind, AWS's own error code
/// and message, and the request ID AWS support needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloudError {
    /// Service (`ec2`, `iam`, `eks`...).
    pub service: &'static str,
    /// Operation (`CreateVpc`).
    pub operation: &'static str,
    /// Classification.
    pub kind: ErrorKind,
    /// AWS's error code (`InvalidVpcID.NotFound`), or a transport description.
    pub code: String,
    /// AWS's message.
    pub message: String,
    /// The AWS request ID, when the service answered.
    pub request_id: Option<String>,
    /// True when repeating the same request later may succeed.
    pub retryable: bool,
}

impl fmt::Display for CloudError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.service, self.operation, self.kind)?;
        if !self.code.is_empty() {
            write!(f, " ({})", self.code)?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(request_id) = &self.request_id {
            write!(f, " [request ID {request_id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for CloudError {}

impl CloudError {
    /// An error of `kind`; `retryable` follows the kind.
    pub fn new(
        service: &'static str,
        operation: &'static str,
        kind: ErrorKind,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            service,
            operation,
            kind,
            code: code.into(),
            message: message.into(),
            request_id: None,
            retryable: matches!(kind, ErrorKind::Throttled | ErrorKind::Unavailable),
        }
    }

    /// The same error with a request ID.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// True for [`ErrorKind::NotFound`].
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }

    /// True when IAM has not yet propagated a role or policy that was just created: EKS and
    /// other services then refuse to assume it for a while (the messages the Terraform AWS
    /// provider retries for two minutes).
    pub fn is_iam_propagation(&self) -> bool {
        if self.kind != ErrorKind::Invalid && self.kind != ErrorKind::AccessDenied {
            return false;
        }
        const MESSAGES: &[&str] = &[
            "role could not be assumed",
            "does not exist",
            "error in role params",
            "doesn't have the amazon eks managed policies",
            "iam role's policy must include",
            "not authorized to perform: sts:assumerole",
            "invalid principal in policy",
        ];
        let message = self.message.to_ascii_lowercase();
        MESSAGES.iter().any(|needle| message.contains(needle))
    }
}

/// Classifies an AWS error code. Shared by the SDK implementation and the test fakes so both
/// agree on what each code means.
pub fn classify(code: &str, http_status: Option<u16>) -> ErrorKind {
    const THROTTLING: &[&str] = &[
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    ];
    const UNAVAILABLE: &[&str] = &[
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServerException",
        "ServerException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "Unavailable",
        "KMSInternalException",
        "ServiceFailure",
    ];
    if THROTTLING.contains(&code) {
        return ErrorKind::Throttled;
    }
    if UNAVAILABLE.contains(&code) {
        return ErrorKind::Unavailable;
    }
    if code.ends_with(".NotFound")
        || code.ends_with("NotFound")
        || code.ends_with("NotFoundException")
        || matches!(
            code,
            "NoSuchEntity"
                | "NoSuchBucket"
                | "NoSuchHostedZone"
                | "NoSuchKey"
                | "NoSuchTagSet"
                | "NoSuchTagSetError"
                | "NoSuchPublicAccessBlockConfiguration"
                | "ServerSideEncryptionConfigurationNotFoundError"
                | "InvalidAllocationID.NotFound"
                | "InvalidAssociationID.NotFound"
                | "InvalidRoute.NotFound"
                | "ResourceNotFoundException"
                | "NotFoundException"
                | "LoadBalancerNotFound"
                | "TargetGroupNotFound"
        )
    {
        return ErrorKind::NotFound;
    }
    if code == "DependencyViolation" || code == "HostedZoneNotEmpty" || code == "DeleteConflict" {
        return ErrorKind::DependencyViolation;
    }
    if code.ends_with("InUse")
        || code.contains("InUse.")
        || matches!(
            code,
            "ResourceInUseException"
                | "ResourceInUse"
                | "InvalidIPAddress.InUse"
                | "VolumeInUse"
                | "ConcurrentModification"
                | "ConcurrentModificationException"
                | "OperationAborted"
                | "IncorrectState"
                | "IncorrectStateException"
                | "InvalidStateException"
                | "KMSInvalidStateException"
                | "BucketNotEmpty"
        )
    {
        return ErrorKind::InUse;
    }
    if code.contains("AlreadyExists")
        || code.ends_with(".Duplicate")
        || matches!(
            code,
            "EntityAlreadyExists"
                | "BucketAlreadyOwnedByYou"
                | "BucketAlreadyExists"
                | "HostedZoneAlreadyExists"
                | "RouteAlreadyExists"
                | "Resource.AlreadyAssociated"
                | "InvalidChangeBatch"
                | "ConflictException"
                | "PreconditionFailed"
                | "ConditionalRequestConflict"
                | "ConditionalCheckFailedException"
        )
    {
        return ErrorKind::Conflict;
    }
    if code.starts_with("AccessDenied")
        || matches!(
            code,
            "UnauthorizedOperation"
                | "AuthFailure"
                | "InvalidClientTokenId"
                | "SignatureDoesNotMatch"
                | "ExpiredToken"
                | "ExpiredTokenException"
                | "UnrecognizedClientException"
                | "InvalidAccessKeyId"
                | "CredentialsNotLoaded"
        )
    {
        return ErrorKind::AccessDenied;
    }
    if code.starts_with("Invalid")
        || code.starts_with("Malformed")
        || code.contains("Validation")
        || code.ends_with("LimitExceeded")
        || code.ends_with("LimitExceededException")
        || matches!(
            code,
            "MissingParameter" | "UnsupportedOperation" | "BadRequestException"
        )
    {
        return ErrorKind::Invalid;
    }
    match http_status {
        Some(429) => ErrorKind::Throttled,
        Some(404) => ErrorKind::NotFound,
        Some(409) => ErrorKind::Conflict,
        Some(status) if status >= 500 => ErrorKind::Unavailable,
        Some(401) | Some(403) => ErrorKind::AccessDenied,
        _ => ErrorKind::Other,
    }
}

/// The result of a cloud call.
pub type CloudResult<T> = Result<T, CloudError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified() {
        assert_eq!(
            classify("RequestLimitExceeded", Some(503)),
            ErrorKind::Throttled
        );
        assert_eq!(classify("Throttling", Some(400)), ErrorKind::Throttled);
        assert_eq!(
            classify("InvalidVpcID.NotFound", Some(400)),
            ErrorKind::NotFound
        );
        assert_eq!(classify("NoSuchEntity", Some(404)), ErrorKind::NotFound);
        assert_eq!(
            classify("DependencyViolation", Some(400)),
            ErrorKind::DependencyViolation
        );
        assert_eq!(
            classify("ResourceInUseException", Some(409)),
            ErrorKind::InUse
        );
        assert_eq!(
            classify("EntityAlreadyExists", Some(409)),
            ErrorKind::Conflict
        );
        assert_eq!(
            classify("InvalidParameterValue", Some(400)),
            ErrorKind::Invalid
        );
        assert_eq!(classify("", Some(502)), ErrorKind::Unavailable);
        assert_eq!(classify("", None), ErrorKind::Other);
        assert_eq!(
            classify("AccessDeniedException", Some(403)),
            ErrorKind::AccessDenied
        );
    }

    #[test]
    fn display_carries_the_request_id_once() {
        let error = CloudError::new(
            "ec2",
            "CreateVpc",
            ErrorKind::Invalid,
            "InvalidParameterValue",
            "bad CIDR",
        )
        .with_request_id(Some("abc-123".into()));
        assert_eq!(
            error.to_string(),
            "ec2 CreateVpc: invalid request (InvalidParameterValue): bad CIDR [request ID abc-123]"
        );
        assert!(!error.retryable);
    }

    #[test]
    fn iam_propagation_is_recognised_by_message() {
        let error = CloudError::new(
            "eks",
            "CreateCluster",
            ErrorKind::Invalid,
            "InvalidParameterException",
            "Role could not be assumed because the trusted entity is not correct",
        );
        assert!(error.is_iam_propagation());
        let other = CloudError::new(
            "eks",
            "CreateCluster",
            ErrorKind::Invalid,
            "InvalidParameterException",
            "bad version",
        );
        assert!(!other.is_iam_propagation());
    }
}
