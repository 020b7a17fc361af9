//! The plan: for every resource, the action that makes AWS match the desired graph, with the
//! reasons and the field changes, and the ordering the executor needs.

use crate::diff::{self, FieldChange};
use crate::graph::Desired;
use crate::observed::{Conflict, Live, Observed, Status};
use crate::reference::{self, Reference};
use crate::resource::{Address, Kind, Spec, Tags};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The plan file format this sakk writes and reads.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// What happens to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Nothing: AWS matches.
    NoOp,
    /// Created.
    Create,
    /// Found with sakk's ownership tags but not in state (an interrupted run made it):
    /// recorded, and updated if it differs.
    Adopt,
    /// Changed in place.
    Update,
    /// Deleted, then created again (a field cannot change in place).
    Replace,
    /// Deleted.
    Delete,
}

impl Action {
    /// The verb people read.
    pub fn verb(self) -> &'static str {
        match self {
            Action::NoOp => "no change",
            Action::Create => "create",
            Action::Adopt => "adopt",
            Action::Update => "update in place",
            Action::Replace => "replace",
            Action::Delete => "delete",
        }
    }

    /// True when the resource must exist afterwards.
    pub fn ensures_present(self) -> bool {
        matches!(
            self,
            Action::Create | Action::Adopt | Action::Update | Action::Replace
        )
    }

    /// True when a resource is deleted first.
    pub fn deletes(self) -> bool {
        matches!(self, Action::Delete | Action::Replace)
    }
}

/// One planned change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Address.
    pub address: Address,
    /// Kind.
    pub kind: Kind,
    /// Action.
    pub action: Action,
    /// Why, in words.
    pub reasons: Vec<String>,
    /// The AWS ID of the existing resource.
    pub id: Option<String>,
    /// The fields that change (all of them for a creation).
    pub fields: Vec<FieldChange>,
    /// What the resource should be (references unresolved), for actions that leave it present.
    pub desired: Option<Spec>,
    /// What it is now, for actions on an existing resource.
    pub observed: Option<Live>,
    /// Resources whose creation or update must finish before this one is created or updated.
    pub depends_on: Vec<Address>,
    /// Resources whose deletion must finish before this one is deleted (they depend on it).
    pub delete_after: Vec<Address>,
    /// Resources whose update must finish before this one is deleted (they stop using it).
    pub delete_after_update_of: Vec<Address>,
}

impl Change {
    /// A key unique in the plan (a duplicate shares its address with the resource it copies).
    pub fn key(&self) -> String {
        match (&self.observed, self.is_duplicate()) {
            (Some(live), true) => format!("{}#{}", self.address, live.id),
            _ => self.address.to_string(),
        }
    }

    /// True for the deletion of a duplicate.
    pub fn is_duplicate(&self) -> bool {
        self.reasons
            .first()
            .is_some_and(|reason| reason.starts_with(DUPLICATE))
    }
}

const DUPLICATE: &str = "duplicate of";

/// Where the plan's picture of AWS came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Live reads.
    Live,
    /// The state file alone (no credentials): drift outside sakk is invisible.
    State,
}

/// What the state recorded about one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorResource {
    /// AWS ID.
    pub id: String,
    /// The specification last applied.
    pub spec: Spec,
    /// Its dependencies when it was applied.
    pub depends_on: BTreeSet<Address>,
}

/// The state's part in planning.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriorState {
    /// Lineage (none before the first apply).
    pub lineage: Option<String>,
    /// Serial.
    pub serial: u64,
    /// Resources.
    pub resources: BTreeMap<Address, PriorResource>,
}

/// The plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Plan format version.
    pub format_version: u32,
    /// Cluster name.
    pub cluster: String,
    /// Region.
    pub region: String,
    /// A destroy plan.
    pub destroy: bool,
    /// Live reads or the state alone.
    pub source: Source,
    /// The state's lineage at planning time.
    pub lineage: Option<String>,
    /// The state's serial at planning time.
    pub serial: u64,
    /// Digest of what was observed.
    pub fingerprint: String,
    /// The account attributes observed (`account_id`...).
    pub account: BTreeMap<String, Value>,
    /// Every resource's change, in address order (no-ops included).
    pub changes: Vec<Change>,
    /// Look-alikes in the way: the plan cannot be applied while there are any.
    pub conflicts: Vec<Conflict>,
}

/// Counts of actions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Creations.
    pub create: usize,
    /// Adoptions.
    pub adopt: usize,
    /// Updates.
    pub update: usize,
    /// Replacements.
    pub replace: usize,
    /// Deletions.
    pub delete: usize,
    /// Unchanged.
    pub unchanged: usize,
}

impl Plan {
    /// True when applying would change anything.
    pub fn has_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|change| change.action != Action::NoOp)
    }

    /// Counts of each action.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for change in &self.changes {
            match change.action {
                Action::NoOp => summary.unchanged += 1,
                Action::Create => summary.create += 1,
                Action::Adopt => summary.adopt += 1,
                Action::Update => summary.update += 1,
                Action::Replace => summary.replace += 1,
                Action::Delete => summary.delete += 1,
            }
        }
        summary
    }
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The desired graph has a cycle (a bug in sakk).
    #[error("the resource graph has a cycle through {0}")]
    Cycle(String),
}

/// What the planner needs.
pub struct Input<'a> {
    /// The desired graph (for a destroy: the graph the cluster file describes, used only to
    /// order deletions).
    pub desired: &'a Desired,
    /// True to delete everything found.
    pub destroy: bool,
    /// What exists.
    pub observed: &'a Observed,
    /// What the state recorded.
    pub prior: &'a PriorState,
    /// Where `observed` came from.
    pub source: Source,
}

/// Makes the plan.
pub fn plan(input: &Input<'_>) -> Result<Plan, PlanError> {
    let order = input.desired.order().map_err(|cycle| {
        PlanError::Cycle(
            cycle
                .iter()
                .map(Address::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        )
    })?;
    let dependencies = input.desired.dependencies();
    let observed = input.observed;
    let mut changes: BTreeMap<Address, Change> = BTreeMap::new();
    // Attributes that will still hold after apply: those of resources kept as they are.
    let mut kept: BTreeMap<Address, BTreeMap<String, Value>> = BTreeMap::new();

    if !input.destroy {
        for address in &order {
            let resource = &input.desired.resources[address];
            let lookup = |reference: &Reference| -> Option<Value> {
                if reference.address == reference::ACCOUNT {
                    return observed.account.get(&reference.attribute).cloned();
                }
                let target = Address::parse(&reference.address)?;
                kept.get(&target)?.get(&reference.attribute).cloned()
            };
            let fields = Value::Object(resource.spec.fields());
            let mut resolved = match reference::resolve(&fields, &lookup) {
                Value::Object(map) => map,
                _ => serde_json::Map::new(),
            };
            address.kind().normalize(&mut resolved);
            let live = observed.resources.get(address);
            let prior = input.prior.resources.get(address);
            let previous_tags: Option<Tags> = prior.and_then(|prior| prior.spec.tags().cloned());
            let mut change = Change {
                address: address.clone(),
                kind: address.kind(),
                action: Action::NoOp,
                reasons: Vec::new(),
                id: live.map(|live| live.id.clone()),
                fields: Vec::new(),
                desired: Some(resource.spec.clone()),
                observed: live.cloned(),
                depends_on: dependencies[address].iter().cloned().collect(),
                delete_after: Vec::new(),
                delete_after_update_of: Vec::new(),
            };
            match live {
                None => {
                    change.action = Action::Create;
                    change.fields = diff::compare(address.kind(), &resolved, None, None);
                    if let Some(prior) = prior {
                        change.reasons.push(format!(
                            "recorded in state as {} but not found in AWS (deleted outside sakk)",
                            prior.id
                        ));
                    }
                }
                Some(live) => match &live.status {
                    Status::Deleting(detail) => {
                        change.action = Action::Create;
                        change.fields = diff::compare(address.kind(), &resolved, None, None);
                        change.reasons.push(format!(
                            "AWS is deleting {} ({detail}): apply waits until it is gone, then creates it",
                            live.id
                        ));
                    }
                    Status::Failed(detail) => {
                        change.action = Action::Replace;
                        change.fields = diff::compare(address.kind(), &resolved, None, None);
                        change
                            .reasons
                            .push(format!("AWS reports it failed: {detail}"));
                    }
                    status => {
                        let mut observed_fields = live.spec.fields();
                        address.kind().normalize(&mut observed_fields);
                        change.fields = diff::compare(
                            address.kind(),
                            &resolved,
                            Some(&observed_fields),
                            previous_tags.as_ref(),
                        );
                        let replace: Vec<&FieldChange> = change
                            .fields
                            .iter()
                            .filter(|field| field.forces_replacement)
                            .collect();
                        if !replace.is_empty() {
                            change.action = Action::Replace;
                            for field in replace {
                                change.reasons.push(replacement_reason(field));
                            }
                        } else {
                            change.action = if prior.is_none() {
                                change.reasons.push(
                                    "found with sakk's ownership tags but not in state (left by an interrupted run)"
                                        .to_owned(),
                                );
                                Action::Adopt
                            } else if change.fields.is_empty() {
                                Action::NoOp
                            } else {
                                Action::Update
                            };
                            let reason = match status {
                                Status::Pending(detail) => Some(format!(
                                    "AWS reports {detail}: apply waits until it is ready"
                                )),
                                Status::UpdateFailed(detail) => Some(format!(
                                    "AWS reports {detail}: apply sends the update again"
                                )),
                                _ => None,
                            };
                            if let Some(reason) = reason {
                                change.reasons.push(reason);
                                if change.action == Action::NoOp {
                                    change.action = Action::Update;
                                }
                            }
                            kept.insert(address.clone(), live.attributes.clone());
                        }
                    }
                },
            }
            changes.insert(address.clone(), change);
        }
    }

    for (address, live) in &observed.resources {
        if changes.contains_key(address) {
            continue;
        }
        let reason = if input.destroy {
            "destroy".to_owned()
        } else {
            "no longer in the cluster file".to_owned()
        };
        changes.insert(address.clone(), deletion(live, reason));
    }

    // Deletion order: a resource goes only after everything that depends on it, by the graph
    // of the cluster file, by what the state recorded, and by kind for anything else.
    let deleted: BTreeSet<Address> = changes
        .values()
        .filter(|change| change.action.deletes())
        .map(|change| change.address.clone())
        .collect();
    let all_dependencies = |address: &Address| -> BTreeSet<Address> {
        let mut found: BTreeSet<Address> = BTreeSet::new();
        if let Some(known) = dependencies.get(address) {
            found.extend(known.iter().cloned());
        }
        if let Some(prior) = input.prior.resources.get(address) {
            found.extend(prior.depends_on.iter().cloned());
        }
        if found.is_empty() && !dependencies.contains_key(address) {
            let kinds = fallback_dependencies(address.kind());
            found.extend(
                observed
                    .resources
                    .keys()
                    .filter(|other| kinds.contains(&other.kind()))
                    .cloned(),
            );
        }
        found
    };
    let mut delete_after: BTreeMap<Address, BTreeSet<Address>> = BTreeMap::new();
    let mut after_update: BTreeMap<Address, BTreeSet<Address>> = BTreeMap::new();
    for change in changes.values() {
        let needs = all_dependencies(&change.address);
        for dependency in needs {
            if !deleted.contains(&dependency) || dependency == change.address {
                continue;
            }
            if change.action.deletes() {
                delete_after
                    .entry(dependency)
                    .or_default()
                    .insert(change.address.clone());
            } else if change.action.ensures_present()
                && !dependencies
                    .get(&change.address)
                    .is_some_and(|wanted| wanted.contains(&dependency))
            {
                // It used the resource before and will not after: update it first.
                after_update
                    .entry(dependency)
                    .or_default()
                    .insert(change.address.clone());
            }
        }
    }
    for (address, change) in changes.iter_mut() {
        if let Some(after) = delete_after.remove(address) {
            change.delete_after = after.into_iter().collect();
        }
        if let Some(after) = after_update.remove(address) {
            change.delete_after_update_of = after.into_iter().collect();
        }
    }

    let mut list: Vec<Change> = changes.into_values().collect();
    for duplicate in &observed.duplicates {
        let kept_id = observed
            .resources
            .get(&duplicate.address)
            .map(|live| live.id.clone())
            .unwrap_or_default();
        let mut change = deletion(
            duplicate,
            format!("{DUPLICATE} {kept_id} (left by an interrupted or concurrent run)"),
        );
        // A duplicate goes after whatever depends on the copy it duplicates would: it has no
        // dependents of its own (nothing refers to it), so it can go at once.
        change.delete_after.clear();
        list.push(change);
    }

    Ok(Plan {
        format_version: PLAN_FORMAT_VERSION,
        cluster: input.desired.cluster.clone(),
        region: input.desired.region.clone(),
        destroy: input.destroy,
        source: input.source,
        lineage: input.prior.lineage.clone(),
        serial: input.prior.serial,
        fingerprint: observed.fingerprint(),
        account: observed.account.clone(),
        changes: list,
        conflicts: observed.conflicts.clone(),
    })
}

fn deletion(live: &Live, reason: String) -> Change {
    Change {
        address: live.address.clone(),
        kind: live.address.kind(),
        action: Action::Delete,
        reasons: vec![reason],
        id: Some(live.id.clone()),
        fields: Vec::new(),
        desired: None,
        observed: Some(live.clone()),
        depends_on: Vec::new(),
        delete_after: Vec::new(),
        delete_after_update_of: Vec::new(),
    }
}

fn replacement_reason(field: &FieldChange) -> String {
    if field.known_after_apply() {
        let causes: Vec<String> = reference::addresses(&field.after)
            .iter()
            .map(|address| format!("`{address}`"))
            .collect();
        format!(
            "`{}` cannot change in place and follows {} (created or replaced)",
            field.field,
            causes.join(", ")
        )
    } else {
        format!(
            "`{}` cannot change in place ({} → {})",
            field.field,
            field
                .before
                .as_ref()
                .map(short)
                .unwrap_or_else(|| "none".into()),
            short(&field.after)
        )
    }
}

/// A value in one line.
pub fn short(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Kinds a resource of `kind` may depend on, for resources neither the cluster file nor the
/// state knows (found by tags only).
fn fallback_dependencies(kind: Kind) -> &'static [Kind] {
    match kind {
        Kind::Subnet | Kind::InternetGateway | Kind::RouteTable => &[Kind::Vpc],
        Kind::NatGateway => &[Kind::Subnet, Kind::ElasticIp, Kind::InternetGateway],
        Kind::KmsAlias => &[Kind::KmsKey],
        Kind::EksCluster => &[Kind::IamRole, Kind::Subnet, Kind::KmsKey, Kind::LogGroup],
        Kind::NodeGroup => &[
            Kind::EksCluster,
            Kind::IamRole,
            Kind::Subnet,
            Kind::RouteTable,
        ],
        Kind::Addon | Kind::AccessEntry | Kind::OidcProvider => &[Kind::EksCluster],
        Kind::Delegation => &[Kind::HostedZone],
        Kind::Vpc
        | Kind::ElasticIp
        | Kind::IamRole
        | Kind::KmsKey
        | Kind::LogGroup
        | Kind::HostedZone
        | Kind::Bucket => &[],
    }
}
