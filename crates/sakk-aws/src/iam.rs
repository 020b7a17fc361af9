//! IAM.

use crate::{convert, invalid, percent_decode};
use async_trait::async_trait;
use aws_sdk_iam::Client;
use aws_sdk_iam::types::{EntityType, Tag};
use sakk_cloud::iam::*;
use sakk_cloud::{CloudResult, Tags};
use std::collections::BTreeMap;

pub struct IamClient(pub Client);

const SERVICE: &str = "iam";

fn tags_of(tags: &[Tag]) -> Tags {
    tags.iter()
        .map(|tag| (tag.key().to_owned(), tag.value().to_owned()))
        .collect()
}

fn sdk_tags(operation: &'static str, tags: &Tags) -> CloudResult<Vec<Tag>> {
    tags.iter()
        .map(|(key, value)| {
            Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(|error| invalid(SERVICE, operation, error))
        })
        .collect()
}

#[async_trait]
impl Iam for IamClient {
    async fn roles(&self) -> CloudResult<Vec<Role>> {
        let mut roles = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let output = self
                .0
                .get_account_authorization_details()
                .filter(EntityType::Role)
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|error| convert(SERVICE, "GetAccountAuthorizationDetails", error))?;
            for detail in output.role_detail_list() {
                let mut managed: Vec<String> = detail
                    .attached_managed_policies()
                    .iter()
                    .filter_map(|policy| policy.policy_arn().map(str::to_owned))
                    .collect();
                managed.sort();
                roles.push(Role {
                    name: detail.role_name().unwrap_or_default().to_owned(),
                    arn: detail.arn().unwrap_or_default().to_owned(),
                    trust_policy: percent_decode(
                        detail.assume_role_policy_document().unwrap_or_default(),
                    ),
                    managed_policies: managed,
                    inline_policies: detail
                        .role_policy_list()
                        .iter()
                        .map(|policy| {
                            (
                                policy.policy_name().unwrap_or_default().to_owned(),
                                percent_decode(policy.policy_document().unwrap_or_default()),
                            )
                        })
                        .collect(),
                    tags: tags_of(detail.tags()),
                });
            }
            if output.is_truncated() {
                marker = output.marker().map(str::to_owned);
                if marker.is_none() {
                    break;
                }
            } else {
                break;
            }
        }
        Ok(roles)
    }

    async fn role(&self, name: &str) -> CloudResult<Role> {
        let output = self
            .0
            .get_role()
            .role_name(name)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "GetRole", error))?;
        let role = output.role();
        let mut managed = Vec::new();
        let mut stream = self
            .0
            .list_attached_role_policies()
            .role_name(name)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = stream.next().await {
            let policy =
                item.map_err(|error| convert(SERVICE, "ListAttachedRolePolicies", error))?;
            if let Some(arn) = policy.policy_arn() {
                managed.push(arn.to_owned());
            }
        }
        managed.sort();
        let mut inline = BTreeMap::new();
        let mut names = self
            .0
            .list_role_policies()
            .role_name(name)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = names.next().await {
            let policy = item.map_err(|error| convert(SERVICE, "ListRolePolicies", error))?;
            let document = self
                .0
                .get_role_policy()
                .role_name(name)
                .policy_name(&policy)
                .send()
                .await
                .map_err(|error| convert(SERVICE, "GetRolePolicy", error))?;
            inline.insert(policy, percent_decode(document.policy_document()));
        }
        Ok(Role {
            name: name.to_owned(),
            arn: role.map(|role| role.arn().to_owned()).unwrap_or_default(),
            trust_policy: percent_decode(
                role.and_then(|role| role.assume_role_policy_document())
                    .unwrap_or_default(),
            ),
            managed_policies: managed,
            inline_policies: inline,
            tags: role.map(|role| tags_of(role.tags())).unwrap_or_default(),
        })
    }

    async fn create_role(
        &self,
        name: &str,
        trust_policy: &str,
        description: &str,
        tags: &Tags,
    ) -> CloudResult<Role> {
        let output = self
            .0
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust_policy)
            .description(description)
            .set_tags(Some(sdk_tags("CreateRole", tags)?))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "CreateRole", error))?;
        Ok(Role {
            name: name.to_owned(),
            arn: output
                .role()
                .map(|role| role.arn().to_owned())
                .unwrap_or_default(),
            trust_policy: trust_policy.to_owned(),
            managed_policies: Vec::new(),
            inline_policies: BTreeMap::new(),
            tags: tags.clone(),
        })
    }

    async fn update_trust_policy(&self, name: &str, trust_policy: &str) -> CloudResult<()> {
        self.0
            .update_assume_role_policy()
            .role_name(name)
            .policy_document(trust_policy)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "UpdateAssumeRolePolicy", error))?;
        Ok(())
    }

    async fn attach_policy(&self, role: &str, policy_arn: &str) -> CloudResult<()> {
        self.0
            .attach_role_policy()
            .role_name(role)
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "AttachRolePolicy", error))?;
        Ok(())
    }

    async fn detach_policy(&self, role: &str, policy_arn: &str) -> CloudResult<()> {
        self.0
            .detach_role_policy()
            .role_name(role)
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DetachRolePolicy", error))?;
        Ok(())
    }

    async fn put_inline_policy(&self, role: &str, name: &str, document: &str) -> CloudResult<()> {
        self.0
            .put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "PutRolePolicy", error))?;
        Ok(())
    }

    async fn delete_inline_policy(&self, role: &str, name: &str) -> CloudResult<()> {
        self.0
            .delete_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteRolePolicy", error))?;
        Ok(())
    }

    async fn tag_role(&self, role: &str, tags: &Tags) -> CloudResult<()> {
        self.0
            .tag_role()
            .role_name(role)
            .set_tags(Some(sdk_tags("TagRole", tags)?))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "TagRole", error))?;
        Ok(())
    }

    async fn untag_role(&self, role: &str, keys: &[String]) -> CloudResult<()> {
        self.0
            .untag_role()
            .role_name(role)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "UntagRole", error))?;
        Ok(())
    }

    async fn instance_profiles_of(&self, role: &str) -> CloudResult<Vec<String>> {
        let mut profiles = Vec::new();
        let mut stream = self
            .0
            .list_instance_profiles_for_role()
            .role_name(role)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = stream.next().await {
            let profile =
                item.map_err(|error| convert(SERVICE, "ListInstanceProfilesForRole", error))?;
            profiles.push(profile.instance_profile_name().to_owned());
        }
        Ok(profiles)
    }

    async fn remove_from_instance_profile(&self, profile: &str, role: &str) -> CloudResult<()> {
        self.0
            .remove_role_from_instance_profile()
            .instance_profile_name(profile)
            .role_name(role)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "RemoveRoleFromInstanceProfile", error))?;
        Ok(())
    }

    async fn delete_role(&self, name: &str) -> CloudResult<()> {
        self.0
            .delete_role()
            .role_name(name)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteRole", error))?;
        Ok(())
    }

    async fn oidc_providers(&self) -> CloudResult<Vec<String>> {
        let output = self
            .0
            .list_open_id_connect_providers()
            .send()
            .await
            .map_err(|error| convert(SERVICE, "ListOpenIDConnectProviders", error))?;
        Ok(output
            .open_id_connect_provider_list()
            .iter()
            .filter_map(|provider| provider.arn().map(str::to_owned))
            .collect())
    }

    async fn oidc_provider(&self, arn: &str) -> CloudResult<OidcProvider> {
        let output = self
            .0
            .get_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "GetOpenIDConnectProvider", error))?;
        let mut client_ids = output.client_id_list().to_vec();
        client_ids.sort();
        Ok(OidcProvider {
            arn: arn.to_owned(),
            url: output
                .url()
                .unwrap_or_default()
                .trim_start_matches("https://")
                .to_owned(),
            client_ids,
            tags: tags_of(output.tags()),
        })
    }

    async fn create_oidc_provider(
        &self,
        url: &str,
        client_ids: &[String],
        tags: &Tags,
    ) -> CloudResult<String> {
        let output = self
            .0
            .create_open_id_connect_provider()
            .url(format!("https://{}", url.trim_start_matches("https://")))
            .set_client_id_list(Some(client_ids.to_vec()))
            .set_tags(Some(sdk_tags("CreateOpenIDConnectProvider", tags)?))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "CreateOpenIDConnectProvider", error))?;
        Ok(output
            .open_id_connect_provider_arn()
            .unwrap_or_default()
            .to_owned())
    }

    async fn tag_oidc_provider(&self, arn: &str, tags: &Tags) -> CloudResult<()> {
        self.0
            .tag_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .set_tags(Some(sdk_tags("TagOpenIDConnectProvider", tags)?))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "TagOpenIDConnectProvider", error))?;
        Ok(())
    }

    async fn untag_oidc_provider(&self, arn: &str, keys: &[String]) -> CloudResult<()> {
        self.0
            .untag_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "UntagOpenIDConnectProvider", error))?;
        Ok(())
    }

    async fn add_oidc_client_id(&self, arn: &str, client_id: &str) -> CloudResult<()> {
        self.0
            .add_client_id_to_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .client_id(client_id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "AddClientIDToOpenIDConnectProvider", error))?;
        Ok(())
    }

    async fn delete_oidc_provider(&self, arn: &str) -> CloudResult<()> {
        self.0
            .delete_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteOpenIDConnectProvider", error))?;
        Ok(())
    }
}
