//! Route53: the cluster's hosted zones and their delegation in the parent zone.

use crate::{CloudResult, Tags};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A hosted zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostedZone {
    /// Zone ID without the `/hostedzone/` prefix.
    pub id: String,
    /// Name with the trailing dot (`ml.example.com.`).
    pub name: String,
    /// The caller reference it was created with.
    pub caller_reference: String,
    /// Private (VPC-only) zone.
    pub private: bool,
    /// Comment.
    pub comment: String,
    /// VPCs of a private zone (known from [`Route53::zone`] only).
    pub vpc_ids: Vec<String>,
}

/// A record set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSet {
    /// Name with the trailing dot.
    pub name: String,
    /// Type (`NS`, `A`, `TXT`...).
    pub kind: String,
    /// TTL (none for alias records).
    pub ttl: Option<i64>,
    /// Values, sorted.
    pub values: Vec<String>,
    /// Alias target DNS name, for alias records.
    pub alias_target: Option<String>,
    /// Alias target zone, for alias records.
    pub alias_zone_id: Option<String>,
    /// Set identifier for weighted and other routing policies.
    pub set_identifier: Option<String>,
}

/// A change to a record set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// `CREATE`, `UPSERT` or `DELETE`.
    pub action: String,
    /// The record (for DELETE: exactly as it is).
    pub record: RecordSet,
}

/// Route53 operations.
#[async_trait]
pub trait Route53: Send + Sync {
    /// Zones whose name is exactly `name` (`ListHostedZonesByName`).
    async fn zones_named(&self, name: &str) -> CloudResult<Vec<HostedZone>>;
    /// A zone and its name servers (`GetHostedZone`).
    async fn zone(&self, id: &str) -> CloudResult<(HostedZone, Vec<String>)>;
    /// `CreateHostedZone` (private in `private_vpc` when given); returns the zone and its
    /// name servers.
    async fn create_zone(
        &self,
        name: &str,
        caller_reference: &str,
        comment: &str,
        private_vpc: Option<&str>,
    ) -> CloudResult<(HostedZone, Vec<String>)>;
    /// `DeleteHostedZone` (only SOA and NS may remain).
    async fn delete_zone(&self, id: &str) -> CloudResult<()>;
    /// Tags of up to 10 zones (`ListTagsForResources`).
    async fn zone_tags(&self, ids: &[String]) -> CloudResult<BTreeMap<String, Tags>>;
    /// `ChangeTagsForResource`.
    async fn change_zone_tags(&self, id: &str, add: &Tags, remove: &[String]) -> CloudResult<()>;
    /// Record sets of a zone starting at `start` (name, type), at most `max_items`, or every
    /// record when `start` is none.
    async fn records(
        &self,
        zone_id: &str,
        start: Option<(&str, &str)>,
        max_items: Option<i32>,
    ) -> CloudResult<Vec<RecordSet>>;
    /// `ChangeResourceRecordSets`; returns once the change is applied (`INSYNC`) or submitted.
    async fn change_records(&self, zone_id: &str, changes: &[Change]) -> CloudResult<()>;
}
