//! S3.

use crate::{convert, invalid};
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, Delete,
    ObjectIdentifier, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    Tag, Tagging, VersioningConfiguration,
};
use sakk_cloud::s3::*;
use sakk_cloud::{CloudResult, ErrorKind, Tags};

pub struct S3Client {
    pub client: Client,
    pub region: String,
}

const SERVICE: &str = "s3";

#[async_trait]
impl S3 for S3Client {
    async fn bucket_tags(&self, bucket: &str) -> CloudResult<Tags> {
        match self.client.get_bucket_tagging().bucket(bucket).send().await {
            Ok(output) => Ok(output
                .tag_set()
                .iter()
                .map(|tag| (tag.key().to_owned(), tag.value().to_owned()))
                .collect()),
            Err(error) => {
                let error = convert(SERVICE, "GetBucketTagging", error);
                if error.code == "NoSuchTagSet" || error.code == "NoSuchTagSetError" {
                    Ok(Tags::new())
                } else {
                    Err(error)
                }
            }
        }
    }

    async fn create_bucket(&self, bucket: &str, tags: &Tags) -> CloudResult<()> {
        let tags = tags
            .iter()
            .map(|(key, value)| {
                Tag::builder()
                    .key(key)
                    .value(value)
                    .build()
                    .map_err(|error| invalid(SERVICE, "CreateBucket", error))
            })
            .collect::<CloudResult<Vec<_>>>()?;
        let mut configuration = CreateBucketConfiguration::builder().set_tags(Some(tags));
        // us-east-1 is the default location and must not be named.
        if self.region != "us-east-1" {
            configuration = configuration
                .location_constraint(BucketLocationConstraint::from(self.region.as_str()));
        }
        self.client
            .create_bucket()
            .bucket(bucket)
            .create_bucket_configuration(configuration.build())
            .send()
            .await
            .map_err(|error| convert(SERVICE, "CreateBucket", error))?;
        Ok(())
    }

    async fn put_bucket_tags(&self, bucket: &str, tags: &Tags) -> CloudResult<()> {
        let set = tags
            .iter()
            .map(|(key, value)| {
                Tag::builder()
                    .key(key)
                    .value(value)
                    .build()
                    .map_err(|error| invalid(SERVICE, "PutBucketTagging", error))
            })
            .collect::<CloudResult<Vec<_>>>()?;
        self.client
            .put_bucket_tagging()
            .bucket(bucket)
            .tagging(
                Tagging::builder()
                    .set_tag_set(Some(set))
                    .build()
                    .map_err(|error| invalid(SERVICE, "PutBucketTagging", error))?,
            )
            .send()
            .await
            .map_err(|error| convert(SERVICE, "PutBucketTagging", error))?;
        Ok(())
    }

    async fn versioning(&self, bucket: &str) -> CloudResult<bool> {
        let output = self
            .client
            .get_bucket_versioning()
            .bucket(bucket)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "GetBucketVersioning", error))?;
        Ok(output.status() == Some(&BucketVersioningStatus::Enabled))
    }

    async fn put_versioning(&self, bucket: &str, enabled: bool) -> CloudResult<()> {
        let status = if enabled {
            BucketVersioningStatus::Enabled
        } else {
            BucketVersioningStatus::Suspended
        };
        self.client
            .put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(VersioningConfiguration::builder().status(status).build())
            .send()
            .await
            .map_err(|error| convert(SERVICE, "PutBucketVersioning", error))?;
        Ok(())
    }

    async fn encryption(&self, bucket: &str) -> CloudResult<Option<String>> {
        match self
            .client
            .get_bucket_encryption()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(output) => Ok(output
                .server_side_encryption_configuration()
                .and_then(|configuration| configuration.rules().first())
                .and_then(|rule| rule.apply_server_side_encryption_by_default())
                .map(|default| default.sse_algorithm().as_str().to_owned())),
            Err(error) => {
                let error = convert(SERVICE, "GetBucketEncryption", error);
                if error.code == "ServerSideEncryptionConfigurationNotFoundError" {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }

    async fn put_encryption(&self, bucket: &str, algorithm: &str) -> CloudResult<()> {
        let default = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::from(algorithm))
            .build()
            .map_err(|error| invalid(SERVICE, "PutBucketEncryption", error))?;
        let configuration = ServerSideEncryptionConfiguration::builder()
            .rules(
                ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(default)
                    .build(),
            )
            .build()
            .map_err(|error| invalid(SERVICE, "PutBucketEncryption", error))?;
        self.client
            .put_bucket_encryption()
            .bucket(bucket)
            .server_side_encryption_configuration(configuration)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "PutBucketEncryption", error))?;
        Ok(())
    }

    async fn public_access_block(&self, bucket: &str) -> CloudResult<PublicAccessBlock> {
        match self
            .client
            .get_public_access_block()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(output) => {
                let configuration = output.public_access_block_configuration();
                Ok(PublicAccessBlock {
                    block_public_acls: configuration
                        .and_then(|c| c.block_public_acls())
                        .unwrap_or(false),
                    ignore_public_acls: configuration
                        .and_then(|c| c.ignore_public_acls())
                        .unwrap_or(false),
                    block_public_policy: configuration
                        .and_then(|c| c.block_public_policy())
                        .unwrap_or(false),
                    restrict_public_buckets: configuration
                        .and_then(|c| c.restrict_public_buckets())
                        .unwrap_or(false),
                })
            }
            Err(error) => {
                let error = convert(SERVICE, "GetPublicAccessBlock", error);
                if error.code == "NoSuchPublicAccessBlockConfiguration" {
                    Ok(PublicAccessBlock::default())
                } else {
                    Err(error)
                }
            }
        }
    }

    async fn put_public_access_block(
        &self,
        bucket: &str,
        block: PublicAccessBlock,
    ) -> CloudResult<()> {
        self.client
            .put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(block.block_public_acls)
                    .ignore_public_acls(block.ignore_public_acls)
                    .block_public_policy(block.block_public_policy)
                    .restrict_public_buckets(block.restrict_public_buckets)
                    .build(),
            )
            .send()
            .await
            .map_err(|error| convert(SERVICE, "PutPublicAccessBlock", error))?;
        Ok(())
    }

    async fn list_versions(&self, bucket: &str) -> CloudResult<VersionPage> {
        let output = self
            .client
            .list_object_versions()
            .bucket(bucket)
            .max_keys(1000)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "ListObjectVersions", error))?;
        let mut versions: Vec<ObjectVersion> = output
            .versions()
            .iter()
            .filter_map(|version| {
                Some(ObjectVersion {
                    key: version.key()?.to_owned(),
                    version_id: version.version_id().map(str::to_owned),
                })
            })
            .collect();
        versions.extend(output.delete_markers().iter().filter_map(|marker| {
            Some(ObjectVersion {
                key: marker.key()?.to_owned(),
                version_id: marker.version_id().map(str::to_owned),
            })
        }));
        Ok(VersionPage {
            versions,
            truncated: output.is_truncated().unwrap_or(false),
        })
    }

    async fn delete_versions(&self, bucket: &str, versions: &[ObjectVersion]) -> CloudResult<()> {
        if versions.is_empty() {
            return Ok(());
        }
        let objects = versions
            .iter()
            .map(|version| {
                ObjectIdentifier::builder()
                    .key(&version.key)
                    .set_version_id(version.version_id.clone())
                    .build()
                    .map_err(|error| invalid(SERVICE, "DeleteObjects", error))
            })
            .collect::<CloudResult<Vec<_>>>()?;
        let output = self
            .client
            .delete_objects()
            .bucket(bucket)
            .delete(
                Delete::builder()
                    .set_objects(Some(objects))
                    .quiet(true)
                    .build()
                    .map_err(|error| invalid(SERVICE, "DeleteObjects", error))?,
            )
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteObjects", error))?;
        if let Some(failed) = output.errors().first() {
            return Err(sakk_cloud::CloudError::new(
                SERVICE,
                "DeleteObjects",
                ErrorKind::Unavailable,
                failed.code().unwrap_or_default(),
                format!(
                    "{} of {} objects not deleted, first {}: {}",
                    output.errors().len(),
                    versions.len(),
                    failed.key().unwrap_or_default(),
                    failed.message().unwrap_or_default()
                ),
            ));
        }
        Ok(())
    }

    async fn delete_bucket(&self, bucket: &str) -> CloudResult<()> {
        self.client
            .delete_bucket()
            .bucket(bucket)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteBucket", error))?;
        Ok(())
    }
}
