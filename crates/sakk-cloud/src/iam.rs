//! IAM: roles (with their managed and inline policies) and the cluster's OIDC provider.

use crate::{CloudResult, Tags};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A role with everything attached to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// Trust policy (JSON text, already URL-decoded).
    pub trust_policy: String,
    /// ARNs of attached managed policies.
    pub managed_policies: Vec<String>,
    /// Inline policies by name (JSON text, URL-decoded).
    pub inline_policies: BTreeMap<String, String>,
    /// Tags.
    pub tags: Tags,
}

/// An IAM OIDC identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcProvider {
    /// ARN.
    pub arn: String,
    /// Issuer URL without `https://`, as IAM returns it.
    pub url: String,
    /// Audiences.
    pub client_ids: Vec<String>,
    /// Tags.
    pub tags: Tags,
}

/// IAM operations.
#[async_trait]
pub trait Iam: Send + Sync {
    /// Every role of the account with policies and tags (`GetAccountAuthorizationDetails`
    /// filtered to roles: one call per page instead of four per role).
    async fn roles(&self) -> CloudResult<Vec<Role>>;
    /// One role with policies and tags (`GetRole` and the policy listings).
    async fn role(&self, name: &str) -> CloudResult<Role>;
    /// `CreateRole` with tags.
    async fn create_role(
        &self,
        name: &str,
        trust_policy: &str,
        description: &str,
        tags: &Tags,
    ) -> CloudResult<Role>;
    /// `UpdateAssumeRolePolicy`.
    async fn update_trust_policy(&self, name: &str, trust_policy: &str) -> CloudResult<()>;
    /// `AttachRolePolicy`.
    async fn attach_policy(&self, role: &str, policy_arn: &str) -> CloudResult<()>;
    /// `DetachRolePolicy`.
    async fn detach_policy(&self, role: &str, policy_arn: &str) -> CloudResult<()>;
    /// `PutRolePolicy`.
    async fn put_inline_policy(&self, role: &str, name: &str, document: &str) -> CloudResult<()>;
    /// `DeleteRolePolicy`.
    async fn delete_inline_policy(&self, role: &str, name: &str) -> CloudResult<()>;
    /// `TagRole`.
    async fn tag_role(&self, role: &str, tags: &Tags) -> CloudResult<()>;
    /// `UntagRole`.
    async fn untag_role(&self, role: &str, keys: &[String]) -> CloudResult<()>;
    /// Instance profiles holding the role (EKS makes some for node groups).
    async fn instance_profiles_of(&self, role: &str) -> CloudResult<Vec<String>>;
    /// `RemoveRoleFromInstanceProfile`.
    async fn remove_from_instance_profile(&self, profile: &str, role: &str) -> CloudResult<()>;
    /// `DeleteRole` (policies must be gone first).
    async fn delete_role(&self, name: &str) -> CloudResult<()>;

    /// ARNs of every OIDC provider of the account.
    async fn oidc_providers(&self) -> CloudResult<Vec<String>>;
    /// `GetOpenIDConnectProvider` with tags.
    async fn oidc_provider(&self, arn: &str) -> CloudResult<OidcProvider>;
    /// `CreateOpenIDConnectProvider` with tags.
    async fn create_oidc_provider(
        &self,
        url: &str,
        client_ids: &[String],
        tags: &Tags,
    ) -> CloudResult<String>;
    /// `TagOpenIDConnectProvider`.
    async fn tag_oidc_provider(&self, arn: &str, tags: &Tags) -> CloudResult<()>;
    /// `UntagOpenIDConnectProvider`.
    async fn untag_oidc_provider(&self, arn: &str, keys: &[String]) -> CloudResult<()>;
    /// `AddClientIDToOpenIDConnectProvider`.
    async fn add_oidc_client_id(&self, arn: &str, client_id: &str) -> CloudResult<()>;
    /// `DeleteOpenIDConnectProvider`.
    async fn delete_oidc_provider(&self, arn: &str) -> CloudResult<()>;
}
