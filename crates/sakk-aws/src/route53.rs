//! Route53.

use crate::{convert, invalid};
use async_trait::async_trait;
use aws_sdk_route53::Client;
use aws_sdk_route53::types::{
    AliasTarget as SdkAliasTarget, Change as SdkChange, ChangeAction, ChangeBatch,
    CidrRoutingConfig, Coordinates, GeoLocation, GeoProximityLocation, HostedZoneConfig,
    ResourceRecord, ResourceRecordSet, ResourceRecordSetFailover, ResourceRecordSetRegion, RrType,
    Tag, TagResourceType, Vpc, VpcRegion,
};
use sakk_cloud::route53::*;
use sakk_cloud::{CloudResult, Tags};
use std::collections::BTreeMap;

pub struct Route53Client(pub Client);

const SERVICE: &str = "route53";

fn bare(id: &str) -> String {
    id.trim_start_matches("/hostedzone/").to_owned()
}

fn zone(zone: &aws_sdk_route53::types::HostedZone) -> HostedZone {
    HostedZone {
        id: bare(zone.id()),
        name: zone.name().to_owned(),
        caller_reference: zone.caller_reference().to_owned(),
        private: zone
            .config()
            .map(|config| config.private_zone())
            .unwrap_or(false),
        comment: zone
            .config()
            .and_then(|config| config.comment())
            .unwrap_or_default()
            .to_owned(),
        vpc_ids: Vec::new(),
    }
}

/// Reads every field Route53 matches on, so that a `DELETE` can send the record back exactly.
fn record(record: &ResourceRecordSet) -> RecordSet {
    let mut values: Vec<String> = record
        .resource_records()
        .iter()
        .map(|value| value.value().to_owned())
        .collect();
    values.sort();
    let owned = |text: Option<&str>| text.map(str::to_owned);
    RecordSet {
        name: record.name().to_owned(),
        kind: record.r#type().as_str().to_owned(),
        ttl: record.ttl(),
        values,
        alias: record
            .alias_target()
            .map(|alias| sakk_cloud::route53::AliasTarget {
                dns_name: alias.dns_name().to_owned(),
                zone_id: alias.hosted_zone_id().to_owned(),
                evaluate_target_health: alias.evaluate_target_health(),
            }),
        set_identifier: owned(record.set_identifier()),
        routing: Routing {
            weight: record.weight(),
            region: record.region().map(|region| region.as_str().to_owned()),
            failover: record
                .failover()
                .map(|failover| failover.as_str().to_owned()),
            geo_location: record.geo_location().map(|geo| {
                (
                    owned(geo.continent_code()),
                    owned(geo.country_code()),
                    owned(geo.subdivision_code()),
                )
            }),
            multi_value_answer: record.multi_value_answer(),
            health_check_id: owned(record.health_check_id()),
            traffic_policy_instance_id: owned(record.traffic_policy_instance_id()),
            cidr_routing: record.cidr_routing_config().map(|cidr| {
                (
                    cidr.collection_id().to_owned(),
                    cidr.location_name().to_owned(),
                )
            }),
            geo_proximity: record
                .geo_proximity_location()
                .map(|location| GeoProximity {
                    region: owned(location.aws_region()),
                    local_zone_group: owned(location.local_zone_group()),
                    coordinates: location
                        .coordinates()
                        .map(|point| (point.latitude().to_owned(), point.longitude().to_owned())),
                    bias: location.bias(),
                }),
        },
    }
}

/// The record as Route53 wants it in a change: every field that was read, nothing added.
fn sdk_record(record: &RecordSet) -> CloudResult<ResourceRecordSet> {
    let built = |error| invalid(SERVICE, "ChangeResourceRecordSets", error);
    let routing = &record.routing;
    let mut builder =
        ResourceRecordSet::builder()
            .name(&record.name)
            .r#type(RrType::from(record.kind.as_str()))
            .set_set_identifier(record.set_identifier.clone())
            .set_ttl(record.ttl)
            .set_weight(routing.weight)
            .set_region(routing.region.as_deref().map(ResourceRecordSetRegion::from))
            .set_failover(
                routing
                    .failover
                    .as_deref()
                    .map(ResourceRecordSetFailover::from),
            )
            .set_geo_location(routing.geo_location.as_ref().map(
                |(continent, country, subdivision)| {
                    GeoLocation::builder()
                        .set_continent_code(continent.clone())
                        .set_country_code(country.clone())
                        .set_subdivision_code(subdivision.clone())
                        .build()
                },
            ))
            .set_multi_value_answer(routing.multi_value_answer)
            .set_health_check_id(routing.health_check_id.clone())
            .set_traffic_policy_instance_id(routing.traffic_policy_instance_id.clone());
    if let Some((collection, location)) = &routing.cidr_routing {
        builder = builder.cidr_routing_config(
            CidrRoutingConfig::builder()
                .collection_id(collection)
                .location_name(location)
                .build()
                .map_err(built)?,
        );
    }
    if let Some(location) = &routing.geo_proximity {
        let coordinates = match &location.coordinates {
            Some((latitude, longitude)) => Some(
                Coordinates::builder()
                    .latitude(latitude)
                    .longitude(longitude)
                    .build()
                    .map_err(built)?,
            ),
            None => None,
        };
        builder = builder.geo_proximity_location(
            GeoProximityLocation::builder()
                .set_aws_region(location.region.clone())
                .set_local_zone_group(location.local_zone_group.clone())
                .set_coordinates(coordinates)
                .set_bias(location.bias)
                .build(),
        );
    }
    if let Some(alias) = &record.alias {
        builder = builder.alias_target(
            SdkAliasTarget::builder()
                .dns_name(&alias.dns_name)
                .hosted_zone_id(&alias.zone_id)
                .evaluate_target_health(alias.evaluate_target_health)
                .build()
                .map_err(built)?,
        );
    } else {
        builder = builder.set_resource_records(Some(
            record
                .values
                .iter()
                .map(|value| {
                    ResourceRecord::builder()
                        .value(value)
                        .build()
                        .map_err(built)
                })
                .collect::<CloudResult<Vec<_>>>()?,
        ));
    }
    builder.build().map_err(built)
}

#[async_trait]
impl Route53 for Route53Client {
    async fn zones_named(&self, name: &str) -> CloudResult<Vec<HostedZone>> {
        let wanted = format!("{}.", name.trim_end_matches('.'));
        let output = self
            .0
            .list_hosted_zones_by_name()
            .dns_name(&wanted)
            .max_items(100)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "ListHostedZonesByName", error))?;
        // Zones come sorted by name starting at `name`: the ones named exactly so come first.
        Ok(output
            .hosted_zones()
            .iter()
            .filter(|found| found.name().eq_ignore_ascii_case(&wanted))
            .map(zone)
            .collect())
    }

    async fn zone(&self, id: &str) -> CloudResult<(HostedZone, Vec<String>)> {
        let output = self
            .0
            .get_hosted_zone()
            .id(id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "GetHostedZone", error))?;
        let mut found = output
            .hosted_zone()
            .map(zone)
            .ok_or_else(|| invalid(SERVICE, "GetHostedZone", "the answer holds no zone"))?;
        found.vpc_ids = output
            .vpcs()
            .iter()
            .filter_map(|vpc| vpc.vpc_id().map(str::to_owned))
            .collect();
        let mut servers: Vec<String> = output
            .delegation_set()
            .map(|set| set.name_servers().to_vec())
            .unwrap_or_default();
        servers.sort();
        Ok((found, servers))
    }

    async fn create_zone(
        &self,
        name: &str,
        caller_reference: &str,
        comment: &str,
        private_vpc: Option<&str>,
    ) -> CloudResult<(HostedZone, Vec<String>)> {
        let mut call = self
            .0
            .create_hosted_zone()
            .name(name)
            .caller_reference(caller_reference)
            .hosted_zone_config(
                HostedZoneConfig::builder()
                    .comment(comment)
                    .private_zone(private_vpc.is_some())
                    .build(),
            );
        if let Some(vpc) = private_vpc {
            let region = self
                .0
                .config()
                .region()
                .map(|region| region.to_string())
                .unwrap_or_default();
            call = call.vpc(
                Vpc::builder()
                    .vpc_id(vpc)
                    .vpc_region(VpcRegion::from(region.as_str()))
                    .build(),
            );
        }
        let output = call
            .send()
            .await
            .map_err(|error| convert(SERVICE, "CreateHostedZone", error))?;
        let mut created = output
            .hosted_zone()
            .map(zone)
            .ok_or_else(|| invalid(SERVICE, "CreateHostedZone", "the answer holds no zone"))?;
        created.vpc_ids = private_vpc
            .map(|vpc| vec![vpc.to_owned()])
            .unwrap_or_default();
        let mut servers: Vec<String> = output
            .delegation_set()
            .map(|set| set.name_servers().to_vec())
            .unwrap_or_default();
        servers.sort();
        Ok((created, servers))
    }

    async fn delete_zone(&self, id: &str) -> CloudResult<()> {
        self.0
            .delete_hosted_zone()
            .id(id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteHostedZone", error))?;
        Ok(())
    }

    async fn zone_tags(&self, ids: &[String]) -> CloudResult<BTreeMap<String, Tags>> {
        let mut found = BTreeMap::new();
        for chunk in ids.chunks(10) {
            let output = self
                .0
                .list_tags_for_resources()
                .resource_type(TagResourceType::Hostedzone)
                .set_resource_ids(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|error| convert(SERVICE, "ListTagsForResources", error))?;
            for set in output.resource_tag_sets() {
                let tags: Tags = set
                    .tags()
                    .iter()
                    .filter_map(|tag| {
                        Some((tag.key()?.to_owned(), tag.value().unwrap_or("").to_owned()))
                    })
                    .collect();
                found.insert(bare(set.resource_id().unwrap_or_default()), tags);
            }
        }
        Ok(found)
    }

    async fn change_zone_tags(&self, id: &str, add: &Tags, remove: &[String]) -> CloudResult<()> {
        self.0
            .change_tags_for_resource()
            .resource_type(TagResourceType::Hostedzone)
            .resource_id(id)
            .set_add_tags((!add.is_empty()).then(|| {
                add.iter()
                    .map(|(key, value)| Tag::builder().key(key).value(value).build())
                    .collect()
            }))
            .set_remove_tag_keys((!remove.is_empty()).then(|| remove.to_vec()))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "ChangeTagsForResource", error))?;
        Ok(())
    }

    async fn records(
        &self,
        zone_id: &str,
        start: Option<(&str, &str)>,
        max_items: Option<i32>,
    ) -> CloudResult<Vec<RecordSet>> {
        let mut found = Vec::new();
        let mut next: Option<(String, String, Option<String>)> =
            start.map(|(name, kind)| (name.to_owned(), kind.to_owned(), None));
        loop {
            let mut call = self.0.list_resource_record_sets().hosted_zone_id(zone_id);
            if let Some((name, kind, identifier)) = &next {
                call = call
                    .start_record_name(name)
                    .start_record_type(RrType::from(kind.as_str()))
                    .set_start_record_identifier(identifier.clone());
            }
            if let Some(max) = max_items {
                call = call.max_items(max);
            }
            let output = call
                .send()
                .await
                .map_err(|error| convert(SERVICE, "ListResourceRecordSets", error))?;
            found.extend(output.resource_record_sets().iter().map(record));
            if max_items.is_some() || !output.is_truncated() {
                break;
            }
            match (output.next_record_name(), output.next_record_type()) {
                (Some(name), Some(kind)) => {
                    next = Some((
                        name.to_owned(),
                        kind.as_str().to_owned(),
                        output.next_record_identifier().map(str::to_owned),
                    ))
                }
                _ => break,
            }
        }
        Ok(found)
    }

    async fn change_records(&self, zone_id: &str, changes: &[Change]) -> CloudResult<()> {
        let changes = changes
            .iter()
            .map(|change| {
                SdkChange::builder()
                    .action(ChangeAction::from(change.action.as_str()))
                    .resource_record_set(sdk_record(&change.record)?)
                    .build()
                    .map_err(|error| invalid(SERVICE, "ChangeResourceRecordSets", error))
            })
            .collect::<CloudResult<Vec<_>>>()?;
        self.0
            .change_resource_record_sets()
            .hosted_zone_id(zone_id)
            .change_batch(
                ChangeBatch::builder()
                    .set_changes(Some(changes))
                    .build()
                    .map_err(|error| invalid(SERVICE, "ChangeResourceRecordSets", error))?,
            )
            .send()
            .await
            .map_err(|error| convert(SERVICE, "ChangeResourceRecordSets", error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> ResourceRecord {
        ResourceRecord::builder()
            .value(text)
            .build()
            .expect("value")
    }

    /// What external-dns, cert-manager and people leave in a zone, in Route53's own shape.
    fn left_in_a_zone() -> Vec<ResourceRecordSet> {
        let alias = |kind: RrType| {
            ResourceRecordSet::builder()
                .name("kubeflow.ml.example.com.")
                .r#type(kind)
                .alias_target(
                    SdkAliasTarget::builder()
                        .dns_name("k8s-istio-0123456789.elb.us-east-2.amazonaws.com.")
                        .hosted_zone_id("ZLMOA37VPKANP")
                        .evaluate_target_health(true)
                        .build()
                        .expect("alias"),
                )
                .build()
                .expect("record")
        };
        vec![
            alias(RrType::A),
            alias(RrType::Aaaa),
            ResourceRecordSet::builder()
                .name("a-kubeflow.ml.example.com.")
                .r#type(RrType::Txt)
                .ttl(300)
                .resource_records(value(
                    "\"heritage=external-dns,external-dns/owner=simple,external-dns/resource=service/istio-system/gw\"",
                ))
                .build()
                .expect("record"),
            ResourceRecordSet::builder()
                .name("weighted.ml.example.com.")
                .r#type(RrType::Cname)
                .ttl(60)
                .set_identifier("blue")
                .weight(10)
                .health_check_id("abcdef01-2345-6789-abcd-ef0123456789")
                .resource_records(value("blue.ml.example.com"))
                .build()
                .expect("record"),
            ResourceRecordSet::builder()
                .name("latency.ml.example.com.")
                .r#type(RrType::A)
                .ttl(60)
                .set_identifier("ohio")
                .region(ResourceRecordSetRegion::UsEast2)
                .multi_value_answer(false)
                .resource_records(value("192.0.2.1"))
                .build()
                .expect("record"),
            ResourceRecordSet::builder()
                .name("failover.ml.example.com.")
                .r#type(RrType::A)
                .ttl(60)
                .set_identifier("primary")
                .failover(ResourceRecordSetFailover::Primary)
                .resource_records(value("192.0.2.2"))
                .build()
                .expect("record"),
            ResourceRecordSet::builder()
                .name("geo.ml.example.com.")
                .r#type(RrType::A)
                .ttl(60)
                .set_identifier("europe")
                .geo_location(GeoLocation::builder().continent_code("EU").build())
                .resource_records(value("192.0.2.3"))
                .build()
                .expect("record"),
            ResourceRecordSet::builder()
                .name("cidr.ml.example.com.")
                .r#type(RrType::A)
                .ttl(60)
                .set_identifier("office")
                .cidr_routing_config(
                    CidrRoutingConfig::builder()
                        .collection_id("c8c02a84-aaaa-bbbb-cccc-000000000000")
                        .location_name("office")
                        .build()
                        .expect("cidr"),
                )
                .resource_records(value("192.0.2.4"))
                .build()
                .expect("record"),
            ResourceRecordSet::builder()
                .name("near.ml.example.com.")
                .r#type(RrType::A)
                .ttl(60)
                .set_identifier("near")
                .traffic_policy_instance_id("12345678-abcd-abcd-abcd-1234567890ab")
                .geo_proximity_location(
                    GeoProximityLocation::builder()
                        .coordinates(
                            Coordinates::builder()
                                .latitude("49.22")
                                .longitude("-74.01")
                                .build()
                                .expect("coordinates"),
                        )
                        .bias(-20)
                        .build(),
                )
                .resource_records(value("192.0.2.5"))
                .build()
                .expect("record"),
        ]
    }

    #[test]
    fn a_deletion_sends_exactly_the_record_that_was_read() {
        for original in left_in_a_zone() {
            let sent = sdk_record(&record(&original)).expect("request");
            assert_eq!(sent, original, "a DELETE of this record would not match it");
        }
    }
}
