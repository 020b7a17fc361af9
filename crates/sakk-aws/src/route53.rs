//! Route53.

use crate::{convert, invalid};
use async_trait::async_trait;
use aws_sdk_route53::Client;
use aws_sdk_route53::types::{
    AliasTarget, Change as SdkChange, ChangeAction, ChangeBatch, HostedZoneConfig, ResourceRecord,
    ResourceRecordSet, RrType, Tag, TagResourceType, Vpc, VpcRegion,
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

fn record(record: &ResourceRecordSet) -> RecordSet {
    let mut values: Vec<String> = record
        .resource_records()
        .iter()
        .map(|value| value.value().to_owned())
        .collect();
    values.sort();
    RecordSet {
        name: record.name().to_owned(),
        kind: record.r#type().as_str().to_owned(),
        ttl: record.ttl(),
        values,
        alias_target: record
            .alias_target()
            .map(|alias| alias.dns_name().to_owned()),
        alias_zone_id: record
            .alias_target()
            .map(|alias| alias.hosted_zone_id().to_owned()),
        set_identifier: record.set_identifier().map(str::to_owned),
    }
}

fn sdk_record(record: &RecordSet) -> CloudResult<ResourceRecordSet> {
    let mut builder = ResourceRecordSet::builder()
        .name(&record.name)
        .r#type(RrType::from(record.kind.as_str()))
        .set_set_identifier(record.set_identifier.clone());
    if let (Some(target), Some(zone)) = (&record.alias_target, &record.alias_zone_id) {
        builder = builder.alias_target(
            AliasTarget::builder()
                .dns_name(target)
                .hosted_zone_id(zone)
                .evaluate_target_health(false)
                .build()
                .map_err(|error| invalid(SERVICE, "ChangeResourceRecordSets", error))?,
        );
    } else {
        builder = builder.set_ttl(record.ttl).set_resource_records(Some(
            record
                .values
                .iter()
                .map(|value| {
                    ResourceRecord::builder()
                        .value(value)
                        .build()
                        .map_err(|error| invalid(SERVICE, "ChangeResourceRecordSets", error))
                })
                .collect::<CloudResult<Vec<_>>>()?,
        ));
    }
    builder
        .build()
        .map_err(|error| invalid(SERVICE, "ChangeResourceRecordSets", error))
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
