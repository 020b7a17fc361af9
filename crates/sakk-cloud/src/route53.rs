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

/// A record set, with every field Route53 compares when it deletes one: a `DELETE` must name
/// the record exactly as it is (values, TTL, alias target with its health evaluation, routing
/// policy), or Route53 answers `InvalidChangeBatch` and leaves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSet {
    /// Name with the trailing dot.
    pub name: String,
    /// Type (`NS`, `A`, `TXT`...).
    pub kind: String,
    /// TTL (none for alias records).
    pub ttl: Option<i64>,
    /// Values, sorted (Route53 compares them as a set).
    pub values: Vec<String>,
    /// The alias target, for alias records.
    pub alias: Option<AliasTarget>,
    /// Set identifier for weighted and other routing policies.
    pub set_identifier: Option<String>,
    /// The routing policy and health check (all empty for a simple record).
    pub routing: Routing,
}

impl RecordSet {
    /// A simple record (no alias, no routing policy).
    pub fn simple(name: &str, kind: &str, ttl: i64, values: Vec<String>) -> Self {
        Self {
            name: name.to_owned(),
            kind: kind.to_owned(),
            ttl: Some(ttl),
            values,
            alias: None,
            set_identifier: None,
            routing: Routing::default(),
        }
    }
}

/// An alias record's target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasTarget {
    /// The target's DNS name (a load balancer's, say).
    pub dns_name: String,
    /// The target's hosted zone (the load balancer's canonical zone).
    pub zone_id: String,
    /// Whether Route53 checks the target's health (external-dns sets it).
    pub evaluate_target_health: bool,
}

/// The routing fields of a record set; Route53 matches each of them on `DELETE`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routing {
    /// Weighted routing.
    pub weight: Option<i64>,
    /// Latency routing: the region.
    pub region: Option<String>,
    /// Failover routing: `PRIMARY` or `SECONDARY`.
    pub failover: Option<String>,
    /// Geolocation routing: continent, country and subdivision codes.
    pub geo_location: Option<(Option<String>, Option<String>, Option<String>)>,
    /// Multivalue answer routing.
    pub multi_value_answer: Option<bool>,
    /// The health check.
    pub health_check_id: Option<String>,
    /// The traffic policy instance that made the record.
    pub traffic_policy_instance_id: Option<String>,
    /// IP-based routing: CIDR collection and location name.
    pub cidr_routing: Option<(String, String)>,
    /// Geoproximity routing.
    pub geo_proximity: Option<GeoProximity>,
}

/// Geoproximity routing: a region, a Local Zone group or coordinates, and a bias.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeoProximity {
    /// The AWS region.
    pub region: Option<String>,
    /// The Local Zone group.
    pub local_zone_group: Option<String>,
    /// Latitude and longitude, as Route53 writes them.
    pub coordinates: Option<(String, String)>,
    /// The bias (-99 to 99).
    pub bias: Option<i32>,
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
