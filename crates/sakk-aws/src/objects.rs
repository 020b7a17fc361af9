//! S3 objects: the state file, its versions and the lock object.

use crate::{convert, invalid};
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use sakk_cloud::CloudResult;
use sakk_cloud::objects::*;
use std::collections::{BTreeMap, HashMap};

pub struct ObjectsClient(pub Client);

const SERVICE: &str = "s3";

fn metadata(map: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    map.map(|map| {
        map.iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    })
    .unwrap_or_default()
}

fn millis(time: Option<&aws_sdk_s3::primitives::DateTime>) -> u64 {
    time.and_then(|time| time.to_millis().ok())
        .and_then(|millis| u64::try_from(millis).ok())
        .unwrap_or(0)
}

fn encryption(
    algorithm: Option<&ServerSideEncryption>,
    key_id: Option<&str>,
) -> Option<Encryption> {
    match algorithm? {
        ServerSideEncryption::Aes256 => Some(Encryption::S3Managed),
        ServerSideEncryption::AwsKms | ServerSideEncryption::AwsKmsDsse => {
            Some(Encryption::Kms(key_id.unwrap_or_default().to_owned()))
        }
        _ => None,
    }
}

/// The listing position of the next page: S3 needs both the key and the version marker.
const MARKER_SEPARATOR: char = '\n';

#[async_trait]
impl Objects for ObjectsClient {
    async fn get(&self, bucket: &str, key: &str) -> CloudResult<Option<StoredObject>> {
        let output = match self.0.get_object().bucket(bucket).key(key).send().await {
            Ok(output) => output,
            Err(error) => {
                let error = convert(SERVICE, "GetObject", error);
                return if error.code == "NoSuchKey" {
                    Ok(None)
                } else {
                    Err(error)
                };
            }
        };
        let etag = output.e_tag().unwrap_or_default().to_owned();
        let version_id = output.version_id().map(str::to_owned);
        let metadata = metadata(output.metadata());
        let encryption = encryption(output.server_side_encryption(), output.ssekms_key_id());
        let body = output
            .body
            .collect()
            .await
            .map_err(|error| invalid(SERVICE, "GetObject", error))?
            .into_bytes()
            .to_vec();
        Ok(Some(StoredObject {
            body,
            etag,
            version_id,
            metadata,
            encryption,
        }))
    }

    async fn get_version(
        &self,
        bucket: &str,
        key: &str,
        version_id: &str,
    ) -> CloudResult<StoredObject> {
        let output = self
            .0
            .get_object()
            .bucket(bucket)
            .key(key)
            .version_id(version_id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "GetObject", error))?;
        let etag = output.e_tag().unwrap_or_default().to_owned();
        let version_id = output.version_id().map(str::to_owned);
        let metadata = metadata(output.metadata());
        let encryption = encryption(output.server_side_encryption(), output.ssekms_key_id());
        let body = output
            .body
            .collect()
            .await
            .map_err(|error| invalid(SERVICE, "GetObject", error))?
            .into_bytes()
            .to_vec();
        Ok(StoredObject {
            body,
            etag,
            version_id,
            metadata,
            encryption,
        })
    }

    async fn version_metadata(
        &self,
        bucket: &str,
        key: &str,
        version_id: &str,
    ) -> CloudResult<BTreeMap<String, String>> {
        let output = self
            .0
            .head_object()
            .bucket(bucket)
            .key(key)
            .version_id(version_id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "HeadObject", error))?;
        Ok(metadata(output.metadata()))
    }

    async fn put(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        precondition: &Precondition,
        encryption: &Encryption,
        metadata: &BTreeMap<String, String>,
    ) -> CloudResult<PutOutcome> {
        let mut request = self
            .0
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(body))
            .set_metadata(Some(
                metadata
                    .iter()
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect(),
            ));
        request = match precondition {
            Precondition::None => request,
            Precondition::Absent => request.if_none_match("*"),
            Precondition::Matches(etag) => request.if_match(etag),
        };
        request = match encryption {
            Encryption::S3Managed => request.server_side_encryption(ServerSideEncryption::Aes256),
            Encryption::Kms(key_id) => request
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id(key_id),
        };
        match request.send().await {
            Ok(output) => Ok(PutOutcome::Written {
                etag: output.e_tag().unwrap_or_default().to_owned(),
                version_id: output.version_id().map(str::to_owned),
            }),
            Err(error) => {
                let error = convert(SERVICE, "PutObject", error);
                match error.code.as_str() {
                    "PreconditionFailed" => Ok(PutOutcome::PreconditionFailed),
                    // Another conditional write to this key was in flight: this one was not
                    // applied, and may be repeated.
                    "ConditionalRequestConflict" => Ok(PutOutcome::Conflicted),
                    _ => Err(error),
                }
            }
        }
    }

    async fn versions(
        &self,
        bucket: &str,
        key: &str,
        start: Option<&str>,
    ) -> CloudResult<VersionListing> {
        let mut request = self
            .0
            .list_object_versions()
            .bucket(bucket)
            .prefix(key)
            .max_keys(1000);
        if let Some((key_marker, version_marker)) =
            start.and_then(|start| start.split_once(MARKER_SEPARATOR))
        {
            request = request
                .key_marker(key_marker)
                .version_id_marker(version_marker);
        }
        let output = request
            .send()
            .await
            .map_err(|error| convert(SERVICE, "ListObjectVersions", error))?;
        let mut versions: Vec<VersionInfo> = output
            .versions()
            .iter()
            .filter(|version| version.key() == Some(key))
            .filter_map(|version| {
                Some(VersionInfo {
                    version_id: version.version_id()?.to_owned(),
                    last_modified_ms: millis(version.last_modified()),
                    is_latest: version.is_latest().unwrap_or(false),
                    is_delete_marker: false,
                    size: version
                        .size()
                        .and_then(|size| u64::try_from(size).ok())
                        .unwrap_or(0),
                })
            })
            .collect();
        versions.extend(
            output
                .delete_markers()
                .iter()
                .filter(|marker| marker.key() == Some(key))
                .filter_map(|marker| {
                    Some(VersionInfo {
                        version_id: marker.version_id()?.to_owned(),
                        last_modified_ms: millis(marker.last_modified()),
                        is_latest: marker.is_latest().unwrap_or(false),
                        is_delete_marker: true,
                        size: 0,
                    })
                }),
        );
        // Newest first; the latest version leads whatever the clock says.
        versions.sort_by(|a, b| {
            b.is_latest
                .cmp(&a.is_latest)
                .then(b.last_modified_ms.cmp(&a.last_modified_ms))
        });
        let next = if output.is_truncated().unwrap_or(false) {
            match (output.next_key_marker(), output.next_version_id_marker()) {
                (Some(key_marker), Some(version_marker)) => {
                    Some(format!("{key_marker}{MARKER_SEPARATOR}{version_marker}"))
                }
                _ => None,
            }
        } else {
            None
        };
        Ok(VersionListing { versions, next })
    }
}
