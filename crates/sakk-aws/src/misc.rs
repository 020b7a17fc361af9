//! STS, KMS, CloudWatch Logs, ELBv2 and the tagging API.

use crate::{convert, invalid};
use async_trait::async_trait;
use sakk_cloud::elb::{Elb, LoadBalancer, TargetGroup};
use sakk_cloud::kms::{Alias, Key, Kms};
use sakk_cloud::logs::{LogGroup, Logs};
use sakk_cloud::sts::{CallerIdentity, Sts};
use sakk_cloud::tagging::{TaggedResource, Tagging};
use sakk_cloud::{CloudResult, Tags};
use std::collections::{BTreeMap, HashMap};

pub struct StsClient(pub aws_sdk_sts::Client);

#[async_trait]
impl Sts for StsClient {
    async fn caller_identity(&self) -> CloudResult<CallerIdentity> {
        let output = self
            .0
            .get_caller_identity()
            .send()
            .await
            .map_err(|error| convert("sts", "GetCallerIdentity", error))?;
        Ok(CallerIdentity {
            account: output.account().unwrap_or_default().to_owned(),
            arn: output.arn().unwrap_or_default().to_owned(),
        })
    }
}

pub struct KmsClient(pub aws_sdk_kms::Client);

fn key(metadata: &aws_sdk_kms::types::KeyMetadata) -> Key {
    Key {
        id: metadata.key_id().to_owned(),
        arn: metadata.arn().unwrap_or_default().to_owned(),
        state: metadata
            .key_state()
            .map(|state| state.as_str().to_owned())
            .unwrap_or_default(),
        description: metadata.description().unwrap_or_default().to_owned(),
    }
}

fn kms_tags(operation: &'static str, tags: &Tags) -> CloudResult<Vec<aws_sdk_kms::types::Tag>> {
    tags.iter()
        .map(|(tag_key, value)| {
            aws_sdk_kms::types::Tag::builder()
                .tag_key(tag_key)
                .tag_value(value)
                .build()
                .map_err(|error| invalid("kms", operation, error))
        })
        .collect()
}

#[async_trait]
impl Kms for KmsClient {
    async fn create_key(&self, description: &str, tags: &Tags) -> CloudResult<Key> {
        let output = self
            .0
            .create_key()
            .description(description)
            .set_tags(Some(kms_tags("CreateKey", tags)?))
            .send()
            .await
            .map_err(|error| convert("kms", "CreateKey", error))?;
        output
            .key_metadata()
            .map(key)
            .ok_or_else(|| invalid("kms", "CreateKey", "the answer holds no key"))
    }

    async fn describe_key(&self, key_id: &str) -> CloudResult<Key> {
        let output = self
            .0
            .describe_key()
            .key_id(key_id)
            .send()
            .await
            .map_err(|error| convert("kms", "DescribeKey", error))?;
        output
            .key_metadata()
            .map(key)
            .ok_or_else(|| invalid("kms", "DescribeKey", "the answer holds no key"))
    }

    async fn key_tags(&self, key_id: &str) -> CloudResult<Tags> {
        let output = self
            .0
            .list_resource_tags()
            .key_id(key_id)
            .send()
            .await
            .map_err(|error| convert("kms", "ListResourceTags", error))?;
        Ok(output
            .tags()
            .iter()
            .map(|tag| (tag.tag_key().to_owned(), tag.tag_value().to_owned()))
            .collect())
    }

    async fn tag_key(&self, key_id: &str, tags: &Tags) -> CloudResult<()> {
        self.0
            .tag_resource()
            .key_id(key_id)
            .set_tags(Some(kms_tags("TagResource", tags)?))
            .send()
            .await
            .map_err(|error| convert("kms", "TagResource", error))?;
        Ok(())
    }

    async fn untag_key(&self, key_id: &str, keys: &[String]) -> CloudResult<()> {
        self.0
            .untag_resource()
            .key_id(key_id)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|error| convert("kms", "UntagResource", error))?;
        Ok(())
    }

    async fn schedule_key_deletion(&self, key_id: &str, days: u32) -> CloudResult<()> {
        self.0
            .schedule_key_deletion()
            .key_id(key_id)
            .pending_window_in_days(days as i32)
            .send()
            .await
            .map_err(|error| convert("kms", "ScheduleKeyDeletion", error))?;
        Ok(())
    }

    async fn aliases(&self) -> CloudResult<Vec<Alias>> {
        let mut found = Vec::new();
        let mut stream = self.0.list_aliases().into_paginator().items().send();
        while let Some(item) = stream.next().await {
            let alias = item.map_err(|error| convert("kms", "ListAliases", error))?;
            found.push(Alias {
                name: alias.alias_name().unwrap_or_default().to_owned(),
                target_key_id: alias.target_key_id().map(str::to_owned),
            });
        }
        Ok(found)
    }

    async fn create_alias(&self, name: &str, key_id: &str) -> CloudResult<()> {
        self.0
            .create_alias()
            .alias_name(name)
            .target_key_id(key_id)
            .send()
            .await
            .map_err(|error| convert("kms", "CreateAlias", error))?;
        Ok(())
    }

    async fn update_alias(&self, name: &str, key_id: &str) -> CloudResult<()> {
        self.0
            .update_alias()
            .alias_name(name)
            .target_key_id(key_id)
            .send()
            .await
            .map_err(|error| convert("kms", "UpdateAlias", error))?;
        Ok(())
    }

    async fn delete_alias(&self, name: &str) -> CloudResult<()> {
        self.0
            .delete_alias()
            .alias_name(name)
            .send()
            .await
            .map_err(|error| convert("kms", "DeleteAlias", error))?;
        Ok(())
    }
}

pub struct LogsClient(pub aws_sdk_cloudwatchlogs::Client);

fn bare_arn(arn: &str) -> &str {
    arn.strip_suffix(":*").unwrap_or(arn)
}

#[async_trait]
impl Logs for LogsClient {
    async fn log_groups(&self, prefix: &str) -> CloudResult<Vec<LogGroup>> {
        let mut found = Vec::new();
        let mut stream = self
            .0
            .describe_log_groups()
            .log_group_name_prefix(prefix)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = stream.next().await {
            let group = item.map_err(|error| convert("logs", "DescribeLogGroups", error))?;
            found.push(LogGroup {
                name: group.log_group_name().unwrap_or_default().to_owned(),
                arn: bare_arn(group.arn().unwrap_or_default()).to_owned(),
                retention_days: group.retention_in_days(),
            });
        }
        Ok(found)
    }

    async fn log_group_tags(&self, arn: &str) -> CloudResult<Tags> {
        let output = self
            .0
            .list_tags_for_resource()
            .resource_arn(bare_arn(arn))
            .send()
            .await
            .map_err(|error| convert("logs", "ListTagsForResource", error))?;
        Ok(output
            .tags()
            .map(|tags| {
                tags.iter()
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn create_log_group(&self, name: &str, tags: &Tags) -> CloudResult<()> {
        let tags: HashMap<String, String> = tags.clone().into_iter().collect();
        self.0
            .create_log_group()
            .log_group_name(name)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|error| convert("logs", "CreateLogGroup", error))?;
        Ok(())
    }

    async fn put_retention(&self, name: &str, days: i32) -> CloudResult<()> {
        self.0
            .put_retention_policy()
            .log_group_name(name)
            .retention_in_days(days)
            .send()
            .await
            .map_err(|error| convert("logs", "PutRetentionPolicy", error))?;
        Ok(())
    }

    async fn tag_log_group(&self, arn: &str, tags: &Tags) -> CloudResult<()> {
        let tags: HashMap<String, String> = tags.clone().into_iter().collect();
        self.0
            .tag_resource()
            .resource_arn(bare_arn(arn))
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|error| convert("logs", "TagResource", error))?;
        Ok(())
    }

    async fn untag_log_group(&self, arn: &str, keys: &[String]) -> CloudResult<()> {
        self.0
            .untag_resource()
            .resource_arn(bare_arn(arn))
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|error| convert("logs", "UntagResource", error))?;
        Ok(())
    }

    async fn delete_log_group(&self, name: &str) -> CloudResult<()> {
        self.0
            .delete_log_group()
            .log_group_name(name)
            .send()
            .await
            .map_err(|error| convert("logs", "DeleteLogGroup", error))?;
        Ok(())
    }
}

pub struct ElbClient(pub aws_sdk_elasticloadbalancingv2::Client);

#[async_trait]
impl Elb for ElbClient {
    async fn load_balancers(&self) -> CloudResult<Vec<LoadBalancer>> {
        let mut found = Vec::new();
        let mut stream = self
            .0
            .describe_load_balancers()
            .into_paginator()
            .items()
            .send();
        while let Some(item) = stream.next().await {
            let balancer = item
                .map_err(|error| convert("elasticloadbalancing", "DescribeLoadBalancers", error))?;
            found.push(LoadBalancer {
                arn: balancer.load_balancer_arn().unwrap_or_default().to_owned(),
                name: balancer.load_balancer_name().unwrap_or_default().to_owned(),
                vpc_id: balancer.vpc_id().map(str::to_owned),
                kind: balancer
                    .r#type()
                    .map(|kind| kind.as_str().to_owned())
                    .unwrap_or_default(),
            });
        }
        Ok(found)
    }

    async fn target_groups(&self) -> CloudResult<Vec<TargetGroup>> {
        let mut found = Vec::new();
        let mut stream = self
            .0
            .describe_target_groups()
            .into_paginator()
            .items()
            .send();
        while let Some(item) = stream.next().await {
            let group = item
                .map_err(|error| convert("elasticloadbalancing", "DescribeTargetGroups", error))?;
            found.push(TargetGroup {
                arn: group.target_group_arn().unwrap_or_default().to_owned(),
                name: group.target_group_name().unwrap_or_default().to_owned(),
                vpc_id: group.vpc_id().map(str::to_owned),
            });
        }
        Ok(found)
    }

    async fn tags(&self, arns: &[String]) -> CloudResult<BTreeMap<String, Tags>> {
        let mut found = BTreeMap::new();
        for chunk in arns.chunks(20) {
            let output = self
                .0
                .describe_tags()
                .set_resource_arns(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|error| convert("elasticloadbalancing", "DescribeTags", error))?;
            for description in output.tag_descriptions() {
                let tags: Tags = description
                    .tags()
                    .iter()
                    .filter_map(|tag| {
                        Some((tag.key()?.to_owned(), tag.value().unwrap_or("").to_owned()))
                    })
                    .collect();
                found.insert(
                    description.resource_arn().unwrap_or_default().to_owned(),
                    tags,
                );
            }
        }
        Ok(found)
    }

    async fn delete_load_balancer(&self, arn: &str) -> CloudResult<()> {
        self.0
            .delete_load_balancer()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(|error| convert("elasticloadbalancing", "DeleteLoadBalancer", error))?;
        Ok(())
    }

    async fn delete_target_group(&self, arn: &str) -> CloudResult<()> {
        self.0
            .delete_target_group()
            .target_group_arn(arn)
            .send()
            .await
            .map_err(|error| convert("elasticloadbalancing", "DeleteTargetGroup", error))?;
        Ok(())
    }
}

pub struct TaggingClient(pub aws_sdk_resourcegroupstagging::Client);

#[async_trait]
impl Tagging for TaggingClient {
    async fn resources(
        &self,
        tag_filters: &Tags,
        resource_types: &[String],
    ) -> CloudResult<Vec<TaggedResource>> {
        let filters = tag_filters
            .iter()
            .map(|(key, value)| {
                aws_sdk_resourcegroupstagging::types::TagFilter::builder()
                    .key(key)
                    .values(value)
                    .build()
            })
            .collect();
        let mut found = Vec::new();
        let mut stream = self
            .0
            .get_resources()
            .set_tag_filters(Some(filters))
            .set_resource_type_filters(
                (!resource_types.is_empty()).then(|| resource_types.to_vec()),
            )
            .into_paginator()
            .items()
            .send();
        while let Some(item) = stream.next().await {
            let mapping = item.map_err(|error| convert("tagging", "GetResources", error))?;
            found.push(TaggedResource {
                arn: mapping.resource_arn().unwrap_or_default().to_owned(),
                tags: mapping
                    .tags()
                    .iter()
                    .map(|tag| (tag.key().to_owned(), tag.value().to_owned()))
                    .collect(),
            });
        }
        Ok(found)
    }
}
