//! From a [`ClusterSpec`] (as written) to a [`Model`] (as meant): every rule checked, every
//! problem reported at once, every default filled in and every name derived.

use crate::catalog::{self, Enablement};
use crate::checks::{self, Principal};
use crate::model::*;
use crate::naming::{self, MAX_CLUSTER_NAME};
use crate::regions;
use sakk_config::spec::*;
use sakk_core::{Diagnostic, Diagnostics, FieldPath, Span, Spanned, code, did_you_mean};
use std::collections::BTreeMap;

/// The result of validating a set of cluster specifications.
#[derive(Debug, Default)]
pub struct Validated {
    /// The clusters without errors, resolved, in input order.
    pub models: Vec<Model>,
    /// Every problem, sorted by position.
    pub diagnostics: Diagnostics,
}

/// Validates clusters one by one, then the fleet as a whole (unique names, paths, state keys).
pub fn validate(specs: &[ClusterSpec]) -> Validated {
    let mut diagnostics = Diagnostics::new();
    let mut resolved = Vec::new();
    for spec in specs {
        let mut local = Diagnostics::new();
        let model = resolve(spec, &mut local);
        if !local.has_errors()
            && let Some(model) = model
        {
            resolved.push((spec, model));
        }
        diagnostics.extend(local);
    }
    fleet(&resolved, &mut diagnostics);
    diagnostics.sort();
    let models = if diagnostics.has_errors() {
        Vec::new()
    } else {
        resolved.into_iter().map(|(_, model)| model).collect()
    };
    Validated {
        models,
        diagnostics,
    }
}

/// Example values left in the SAKK quick start, with what to put instead.
const KNOWN_PLACEHOLDERS: &[(&str, &str)] = &[
    (
        "id-of-route53-zone",
        "put the ID of the Route53 hosted zone of the parent domain, like `Z0123456789ABCDEFGHIJ` \
         (or `\"\"` to skip delegation)",
    ),
    (
        "region-where-bucket-placed",
        "put the region of the state bucket, like `us-east-2`",
    ),
];

fn placeholder_hint(name: &str) -> String {
    match name {
        "aws-account-id" | "account-id" | "account_id" => {
            "replace it with your 12-digit AWS account ID".to_owned()
        }
        "username" | "user" => "replace it with the IAM user's name".to_owned(),
        other => format!("replace `<{other}>` with a real value"),
    }
}

/// The span of a string's text without its quotes, when the source is exactly the value between
/// two quotes (no escapes); otherwise the span of the whole string.
fn inner_span(value: &Spanned<String>) -> Option<Span> {
    let span = value.span?;
    if span.end - span.start == value.value.len() + 2 {
        Some(span.sub(1, span.end - span.start - 1))
    } else {
        Some(span)
    }
}

struct Ctx<'a> {
    spec: &'a ClusterSpec,
    diags: &'a mut Diagnostics,
}

impl Ctx<'_> {
    fn push(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    /// The field path of a top-level setting, in the form's own names.
    fn path(&self, setting: &str) -> FieldPath {
        self.spec.path(setting)
    }

    /// The setting's name in the form of this file.
    fn name_of<'n>(&self, setting: &'n str) -> &'n str {
        (self.spec.names)(setting)
    }

    /// The value, unless it still holds a placeholder (each one reported at its own column).
    fn text<'v>(&mut self, value: &'v Spanned<String>) -> Option<&'v str> {
        if let Some((known, hint)) = KNOWN_PLACEHOLDERS
            .iter()
            .find(|(known, _)| *known == value.value)
        {
            self.push(
                value
                    .error(format!("`{known}` is a placeholder from the SAKK example"))
                    .code(code::PLACEHOLDER)
                    .at(inner_span(value))
                    .label("placeholder")
                    .hint(*hint),
            );
            return None;
        }
        let found = checks::placeholders(&value.value);
        if found.is_empty() {
            return Some(&value.value);
        }
        for (start, end) in found {
            let text = &value.value[start..end];
            // Point at the placeholder itself when the string has no escapes (its source is the
            // value between two quotes).
            let span = match (value.span, inner_span(value)) {
                (Some(outer), Some(inner)) if inner != outer => Some(inner.sub(start, end)),
                (outer, _) => outer,
            };
            self.push(
                Diagnostic::error(format!("placeholder `{text}` was not replaced"))
                    .code(code::PLACEHOLDER)
                    .at(span)
                    .label("placeholder")
                    .field(&value.path)
                    .hint(placeholder_hint(&text[1..text.len() - 1])),
            );
        }
        None
    }

    /// Reports `reason` for `value`, with a headline naming what was expected and a hint.
    fn invalid(
        &mut self,
        value: &Spanned<String>,
        what: &str,
        reason: &str,
        hint: impl Into<String>,
    ) {
        self.push(
            value
                .error(format!("`{}` is not {what}", value.value))
                .label(reason.to_owned())
                .hint(hint),
        );
    }

    /// Reports a setting that must hold the ARN of a Secrets Manager secret but does not. A
    /// value that is not an ARN at all is probably the secret itself: it is never repeated, and
    /// every rendering of the file masks it.
    fn not_a_secret_arn(
        &mut self,
        value: &Spanned<String>,
        setting: &str,
        holds: &str,
        reason: String,
    ) {
        let diagnostic = value
            .error(format!(
                "`{setting}` must name a Secrets Manager secret, not hold the {holds}"
            ))
            .hint(format!(
                "store the {holds} in AWS Secrets Manager and put the secret's ARN here, like \
                 `arn:aws:secretsmanager:us-east-1:123456789012:secret:kubeflow`; secrets never \
                 go in a cluster file or in git"
            ));
        let diagnostic = if value.value.starts_with("arn:") {
            diagnostic.label(reason)
        } else {
            diagnostic
                .label("not an ARN: sakk hides this value")
                .conceal(inner_span(value))
        };
        self.push(diagnostic);
    }

    /// A span for a missing setting: the block that should hold it.
    fn origin_span(&self) -> Option<Span> {
        self.spec.origin.span
    }
}

/// Resolves one cluster; `None` when it has errors (reported in `diags`).
pub fn resolve(spec: &ClusterSpec, diags: &mut Diagnostics) -> Option<Model> {
    let mut ctx = Ctx { spec, diags };
    let errors_before = ctx.diags.error_count();

    let name = cluster_name(&mut ctx);
    let region = region(&mut ctx);
    let partition = region.map_or("aws", |region| region.partition);
    let release = kubeflow_release(&mut ctx);
    let kubernetes_version = kubernetes_version(&mut ctx, release);
    let zones = availability_zones(&mut ctx, region);
    let tags = tags(&mut ctx);
    let network = network(&mut ctx, &zones);
    let dns = dns(&mut ctx);
    let tls = tls(&mut ctx, dns.as_ref().is_some_and(|dns| dns.private));
    let admins = admins(&mut ctx, partition);
    let node_groups = node_groups(&mut ctx);
    let gitops = gitops(&mut ctx, name.as_deref());
    let (groups, users) = groups_and_users(&mut ctx);
    let cluster_for_names = name.clone().unwrap_or_default();
    let region_name = region.map_or("", |region| region.name);
    let first_domain = dns
        .as_ref()
        .and_then(|dns| dns.domains.first().cloned())
        .unwrap_or_default();
    let identity = identity(
        &mut ctx,
        partition,
        &cluster_for_names,
        region_name,
        &first_domain,
    );
    let cognito = matches!(identity, Some(Identity::Cognito { .. }));
    let profiles = profiles(&mut ctx, &users, cognito, partition, &cluster_for_names);
    let has_gpu = node_groups.iter().any(|group| group.gpu);
    let components = components(&mut ctx, release, kubernetes_version.as_deref(), has_gpu);
    let database = database(&mut ctx, partition, &cluster_for_names);
    let object_store = object_store(&mut ctx, &cluster_for_names, region_name, &first_domain);
    let backend = backend(&mut ctx, &cluster_for_names, region_name);

    if ctx.diags.error_count() > errors_before {
        return None;
    }
    let name = name?;
    let region = region?;
    let kubernetes_version = kubernetes_version?;
    let release = release?;
    let components = components?;
    let kubeflow = Kubeflow {
        release: release.name.to_owned(),
        components,
    };
    let names = names(&name, &kubeflow, &identity, &database, &profiles);
    Some(Model {
        region: region.name.to_owned(),
        partition: region.partition.to_owned(),
        availability_zones: zones,
        kubernetes_version,
        tags,
        network: network?,
        dns: dns?,
        tls: tls?,
        admins,
        node_groups,
        gitops: gitops?,
        identity: identity?,
        groups,
        users,
        profiles,
        kubeflow,
        database: database?,
        object_store: object_store?,
        backend: backend?,
        names,
        name,
    })
}

fn cluster_name(ctx: &mut Ctx<'_>) -> Option<String> {
    let value = ctx.spec.name.clone()?;
    let text = ctx.text(&value)?.to_owned();
    match checks::dns_label(&text, MAX_CLUSTER_NAME) {
        Ok(()) => Some(text),
        Err(reason) => {
            let suggestion: String = text
                .to_ascii_lowercase()
                .chars()
                .map(|character| {
                    if character.is_ascii_alphanumeric() {
                        character
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
                .trim_matches('-')
                .chars()
                .take(MAX_CLUSTER_NAME)
                .collect();
            ctx.invalid(
                &value,
                "a valid cluster name",
                &reason,
                format!(
                    "cluster names are DNS labels of at most {MAX_CLUSTER_NAME} characters (they name \
                     S3 buckets and IAM roles); try `{}`",
                    if suggestion.is_empty() { "ml-dev".to_owned() } else { suggestion }
                ),
            );
            None
        }
    }
}

fn region_hint(name: &str) -> String {
    did_you_mean(name, regions::REGIONS.iter().map(|region| region.name))
}

fn region(ctx: &mut Ctx<'_>) -> Option<&'static regions::Region> {
    let value = ctx.spec.region.clone()?;
    let text = ctx.text(&value)?;
    match regions::region(text) {
        Some(region) => Some(region),
        None => {
            let hint = region_hint(text);
            ctx.invalid(&value, "an AWS region", "unknown region", hint);
            None
        }
    }
}

fn kubeflow_release(ctx: &mut Ctx<'_>) -> Option<&'static catalog::Release> {
    let Some(value) = ctx.spec.kubeflow_release.clone() else {
        return catalog::release(catalog::DEFAULT_RELEASE);
    };
    let text = ctx.text(&value)?;
    match catalog::release(text) {
        Some(release) => Some(release),
        None => {
            let hint = did_you_mean(text, catalog::RELEASES.iter().map(|release| release.name));
            ctx.invalid(
                &value,
                "a Kubeflow release sakk can install",
                "unknown release",
                hint,
            );
            None
        }
    }
}

fn kubernetes_version(ctx: &mut Ctx<'_>, release: Option<&catalog::Release>) -> Option<String> {
    let release = release?;
    let Some(value) = ctx.spec.kubernetes_version.clone() else {
        return Some(release.default_kubernetes.to_owned());
    };
    let text = ctx.text(&value)?;
    let normalized = text.strip_prefix('v').unwrap_or(text);
    if release.kubernetes.contains(&normalized) {
        return Some(normalized.to_owned());
    }
    let supported = release.kubernetes.join(", ");
    let reason = if normalized.split('.').count() == 2 {
        format!("Kubeflow {} supports Kubernetes {supported}", release.name)
    } else {
        "write the minor version, like `1.34`".to_owned()
    };
    ctx.invalid(
        &value,
        "a supported Kubernetes version",
        &reason,
        format!("use one of {supported}, or pick another Kubeflow release"),
    );
    None
}

fn availability_zones(ctx: &mut Ctx<'_>, region: Option<&regions::Region>) -> Vec<String> {
    let Some(region) = region else {
        return Vec::new();
    };
    let default_count = match ctx.spec.form {
        Form::Sakk => 2,
        Form::Native => 3,
    };
    let Some(list) = ctx.spec.availability_zones.clone() else {
        return region.zone_names().take(default_count).collect();
    };
    let mut zones: Vec<String> = Vec::new();
    for zone in &list.value {
        let Some(text) = ctx.text(zone) else { continue };
        if zones.iter().any(|existing| existing == text) {
            ctx.push(
                zone.error(format!("`{text}` is listed twice"))
                    .label("duplicate")
                    .hint("list each zone once"),
            );
            continue;
        }
        match regions::region_of_zone(text) {
            Some(found) if found.name == region.name => zones.push(text.to_owned()),
            Some(found) => {
                let message = format!("`{text}` is in {}, not in {}", found.name, region.name);
                let hint = format!(
                    "zones of {} are {}",
                    region.name,
                    region.zone_names().collect::<Vec<_>>().join(", ")
                );
                ctx.push(
                    zone.error(message)
                        .label("zone of another region")
                        .hint(hint),
                );
            }
            None => {
                let hint = format!(
                    "zones of {} are {}",
                    region.name,
                    region.zone_names().collect::<Vec<_>>().join(", ")
                );
                ctx.invalid(zone, "an availability zone", "unknown zone", hint);
            }
        }
    }
    if list.value.len() < 2 {
        ctx.push(
            list.error("EKS needs subnets in at least two availability zones")
                .label(format!("{} zone(s)", list.value.len()))
                .hint(format!(
                    "list two or more, like [{}]",
                    region
                        .zone_names()
                        .take(2)
                        .map(|zone| format!("\"{zone}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
        );
    } else if list.value.len() > 6 {
        ctx.push(
            list.error("at most six availability zones are supported")
                .label(format!("{} zones", list.value.len()))
                .hint("three zones are plenty for high availability"),
        );
    }
    zones
}

fn tags(ctx: &mut Ctx<'_>) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    for (key, value) in ctx.spec.tags.clone() {
        let (Some(key_text), Some(value_text)) = (
            ctx.text(&key).map(str::to_owned),
            ctx.text(&value).map(str::to_owned),
        ) else {
            continue;
        };
        if key_text.is_empty() || key_text.len() > 128 {
            ctx.invalid(
                &key,
                "a valid tag key",
                "1 to 128 characters",
                "tag keys have 1 to 128 characters",
            );
        } else if key_text.to_ascii_lowercase().starts_with("aws:") {
            ctx.invalid(
                &key,
                "a tag key you can set",
                "AWS reserves the `aws:` prefix",
                "choose another key; sakk tags every resource with its own `sakk.dev/` tags",
            );
        } else if key_text.starts_with("sakk.dev/") {
            ctx.invalid(
                &key,
                "a tag key you can set",
                "sakk reserves the `sakk.dev/` prefix for ownership",
                "choose another key; sakk tags every resource with its own `sakk.dev/` tags",
            );
        } else if value_text.len() > 256 {
            ctx.invalid(
                &value,
                "a valid tag value",
                "at most 256 characters",
                "shorten the value to at most 256 characters",
            );
        } else {
            tags.insert(key_text, value_text);
        }
    }
    tags
}

fn network(ctx: &mut Ctx<'_>, zones: &[String]) -> Option<Network> {
    let spec = ctx.spec.network.clone();
    let vpc = match &spec.vpc_cidr {
        None => checks::cidr("10.10.0.0/16").ok()?,
        Some(value) => {
            let text = ctx.text(value)?;
            match checks::cidr(text) {
                Ok(net) if (16..=20).contains(&net.prefix_len()) => net,
                Ok(net) => {
                    ctx.invalid(
                        value,
                        "a usable VPC CIDR",
                        &format!("a /{} block", net.prefix_len()),
                        "use a /16 to /20 block: each zone gets a private subnet an eighth of the \
                         VPC, and pods take VPC addresses",
                    );
                    return None;
                }
                Err(reason) => {
                    ctx.invalid(
                        value,
                        "a CIDR block",
                        &reason,
                        "write an IPv4 block, like `10.10.0.0/16`",
                    );
                    return None;
                }
            }
        }
    };
    let private_ranges = [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
    ];
    if let Some(value) = &spec.vpc_cidr
        && !private_ranges
            .iter()
            .filter_map(|range| range.parse::<ipnet::Ipv4Net>().ok())
            .any(|range| range.contains(&vpc))
    {
        ctx.push(
            value
                .warning(format!("`{vpc}` is not a private address range"))
                .hint("VPCs normally use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"),
        );
    }
    let nat_gateways = match &spec.nat_gateways {
        None => NatGateways::Single,
        Some(value) => match ctx.text(value)? {
            "single" => NatGateways::Single,
            "per-az" => NatGateways::PerAz,
            other => {
                let hint = did_you_mean(other, ["single", "per-az"]);
                ctx.invalid(
                    value,
                    "a NAT gateway layout",
                    "expected `single` or `per-az`",
                    hint,
                );
                return None;
            }
        },
    };
    let blocks: Vec<ipnet::Ipv4Net> = vpc.subnets(vpc.prefix_len() + 3).ok()?.collect();
    let public_blocks: Vec<ipnet::Ipv4Net> =
        blocks.last()?.subnets(vpc.prefix_len() + 6).ok()?.collect();
    let private = explicit_subnets(
        ctx,
        spec.private_subnets.as_ref(),
        zones,
        vpc,
        "private_subnets",
    )?
    .unwrap_or_else(|| {
        blocks
            .iter()
            .take(zones.len())
            .map(ToString::to_string)
            .collect()
    });
    let public = explicit_subnets(
        ctx,
        spec.public_subnets.as_ref(),
        zones,
        vpc,
        "public_subnets",
    )?
    .unwrap_or_else(|| {
        public_blocks
            .iter()
            .take(zones.len())
            .map(ToString::to_string)
            .collect()
    });
    let all: Vec<(ipnet::Ipv4Net, Option<&Spanned<String>>)> = private
        .iter()
        .enumerate()
        .map(|(index, cidr)| {
            (
                cidr,
                spec.private_subnets
                    .as_ref()
                    .and_then(|list| list.value.get(index)),
            )
        })
        .chain(public.iter().enumerate().map(|(index, cidr)| {
            (
                cidr,
                spec.public_subnets
                    .as_ref()
                    .and_then(|list| list.value.get(index)),
            )
        }))
        .filter_map(|(cidr, written)| cidr.parse().ok().map(|net| (net, written)))
        .collect();
    let mut overlap = false;
    for (index, (net, written)) in all.iter().enumerate() {
        if let Some((other, _)) = all[..index]
            .iter()
            .find(|(other, _)| other.contains(&net.network()) || net.contains(&other.network()))
        {
            overlap = true;
            let message = format!("subnet `{net}` overlaps `{other}`");
            let diagnostic = match written {
                Some(written) => written.error(message),
                None => Diagnostic::error(message).at(ctx.origin_span()),
            };
            ctx.push(diagnostic.hint("give every subnet its own range inside the VPC"));
        }
    }
    if overlap {
        return None;
    }
    let endpoint_public_access = spec
        .endpoint_public_access
        .as_ref()
        .is_none_or(|value| value.value);
    let public_access_cidrs = match &spec.public_access_cidrs {
        None => vec!["0.0.0.0/0".to_owned()],
        Some(list) => {
            if !endpoint_public_access {
                ctx.push(
                    list.warning(
                        "`public_access_cidrs` has no effect when `endpoint_public_access = false`",
                    )
                    .hint("remove `public_access_cidrs`, or set `endpoint_public_access = true`"),
                );
            }
            let mut cidrs = Vec::new();
            for value in &list.value {
                let Some(text) = ctx.text(value) else {
                    continue;
                };
                match checks::cidr(text) {
                    Ok(net) => cidrs.push(net.to_string()),
                    Err(reason) => ctx.invalid(
                        value,
                        "a CIDR block",
                        &reason,
                        "write an IPv4 block, like `10.10.0.0/16`",
                    ),
                }
            }
            cidrs
        }
    };
    Some(Network {
        vpc_cidr: vpc.to_string(),
        nat_gateways,
        subnets: zones
            .iter()
            .zip(private.iter().zip(public.iter()))
            .map(|(zone, (private, public))| ZoneSubnets {
                zone: zone.clone(),
                private: private.clone(),
                public: public.clone(),
            })
            .collect(),
        endpoint_public_access,
        public_access_cidrs,
    })
}

/// `Some(None)` when not written; `Some(Some(list))` when valid; `None` on error.
fn explicit_subnets(
    ctx: &mut Ctx<'_>,
    list: Option<&Spanned<Vec<Spanned<String>>>>,
    zones: &[String],
    vpc: ipnet::Ipv4Net,
    setting: &str,
) -> Option<Option<Vec<String>>> {
    let Some(list) = list else {
        return Some(None);
    };
    let mut ok = true;
    if list.value.len() != zones.len() {
        ctx.push(
            list.error(format!(
                "`{setting}` lists {} subnet(s) for {} availability zone(s)",
                list.value.len(),
                zones.len()
            ))
            .hint("list one subnet per zone, in the order of `availability_zones`"),
        );
        ok = false;
    }
    let mut cidrs = Vec::new();
    for value in &list.value {
        let Some(text) = ctx.text(value) else {
            ok = false;
            continue;
        };
        match checks::cidr(text) {
            Ok(net) if !vpc.contains(&net) => {
                ctx.invalid(
                    value,
                    "inside the VPC",
                    &format!("outside {vpc}"),
                    format!("pick a range inside the VPC CIDR `{vpc}`"),
                );
                ok = false;
            }
            Ok(net) if net.prefix_len() > 28 => {
                ctx.invalid(
                    value,
                    "a usable subnet",
                    "AWS subnets are /16 to /28",
                    "use a /16 to /28 block, like `10.10.0.0/19`",
                );
                ok = false;
            }
            Ok(net) => cidrs.push(net.to_string()),
            Err(reason) => {
                ctx.invalid(
                    value,
                    "a CIDR block",
                    &reason,
                    "write an IPv4 block, like `10.10.0.0/16`",
                );
                ok = false;
            }
        }
    }
    ok.then_some(Some(cidrs))
}

fn dns(ctx: &mut Ctx<'_>) -> Option<Dns> {
    let private = ctx
        .spec
        .private_dns
        .as_ref()
        .is_some_and(|value| value.value);
    let list = ctx.spec.domains.clone()?;
    if list.value.is_empty() {
        ctx.push(
            list.error("at least one domain is needed")
                .label("empty list")
                .hint("Kubeflow is served at kubeflow.<first domain>: add one, like [\"ml.example.com\"]"),
        );
        return None;
    }
    let mut domains: Vec<String> = Vec::new();
    let mut ok = true;
    for value in &list.value {
        let Some(text) = ctx.text(value) else {
            ok = false;
            continue;
        };
        match checks::fqdn(text) {
            Ok(domain) if domains.contains(&domain) => {
                ctx.push(
                    value
                        .error(format!("`{domain}` is listed twice"))
                        .label("duplicate")
                        .hint(
                            "list each domain once (case and a final `.` do not make another one)",
                        ),
                );
                ok = false;
            }
            Ok(domain) => {
                if !private && let Some(tld) = checks::reserved_tld(&domain) {
                    ctx.push(
                        value
                            .warning(format!("`.{tld}` names do not resolve on the internet"))
                            .hint("Let's Encrypt cannot issue certificates for it; use a domain you own, or `private_dns = true`"),
                    );
                }
                domains.push(domain);
            }
            Err(reason) => {
                ctx.invalid(
                    value,
                    "a domain name",
                    &reason,
                    "write the domain alone, like `ml.example.com`",
                );
                ok = false;
            }
        }
    }
    let parent_zone_id = match ctx.spec.parent_zone_id.clone() {
        None => None,
        Some(value) if value.value.is_empty() => None,
        Some(value) => {
            let text = ctx.text(&value)?;
            match checks::zone_id(text) {
                Ok(id) => Some(id),
                Err(reason) => {
                    ctx.invalid(&value, "a Route53 hosted zone ID", &reason, "copy the ID of the parent domain's hosted zone from Route53 (`aws route53 list-hosted-zones`), or write `\"\"` to skip delegation");
                    return None;
                }
            }
        }
    };
    if parent_zone_id.is_none() && !private {
        let (span, path) = match &ctx.spec.parent_zone_id {
            Some(value) => (value.span, value.path.clone()),
            None => (ctx.origin_span(), ctx.path("parent_zone_id")),
        };
        let setting = ctx.name_of("parent_zone_id").to_owned();
        ctx.push(
            Diagnostic::warning("no parent zone: sakk will not delegate the domains")
                .code(code::MISSING_SETTING)
                .at(span)
                .field(&path)
                .hint(format!(
                    "until NS records for the new zones exist in the parent domain, certificates and \
                     host names do not work; set `{setting}` to the parent zone's ID to have sakk add them"
                )),
        );
    }
    if !ok {
        return None;
    }
    let first = domains.first()?.clone();
    Some(Dns {
        kubeflow_host: format!("kubeflow.{first}"),
        argocd_host: format!("argocd.{first}"),
        domains,
        parent_zone_id,
        private,
    })
}

fn tls(ctx: &mut Ctx<'_>, private: bool) -> Option<Tls> {
    match ctx.spec.acme_email.clone() {
        Some(value) => {
            let text = ctx.text(&value)?;
            if let Err(reason) = checks::email(text) {
                ctx.invalid(
                    &value,
                    "an e-mail address",
                    &reason,
                    "write an address like `ops@example.com`",
                );
                return None;
            }
            Some(Tls {
                acme_email: Some(text.to_owned()),
                issuer: if private {
                    "sakk-private-ca"
                } else {
                    "letsencrypt-prod"
                }
                .to_owned(),
            })
        }
        None if private => Some(Tls {
            acme_email: None,
            issuer: "sakk-private-ca".to_owned(),
        }),
        None => {
            let setting = ctx.name_of("acme_email").to_owned();
            ctx.push(
                Diagnostic::error(format!("missing required setting `{setting}`"))
                    .code(code::MISSING_SETTING)
                    .at(ctx.origin_span())
                    .label(format!("`{setting}` is not set"))
                    .field(&ctx.path("acme_email"))
                    .hint(format!(
                        "add `{setting} = \"ops@example.com\"`: Let's Encrypt needs an account e-mail \
                         for the platform's certificates"
                    )),
            );
            None
        }
    }
}

fn admins(ctx: &mut Ctx<'_>, partition: &str) -> Vec<Admin> {
    let mut admins: Vec<Admin> = Vec::new();
    for admin in ctx.spec.admins.clone() {
        let Some(arn) = admin.arn.as_ref() else {
            continue;
        };
        let username_value = admin
            .username
            .as_ref()
            .and_then(|value| ctx.text(value).map(str::to_owned));
        let Some(arn_text) = ctx.text(arn).map(str::to_owned) else {
            continue;
        };
        let (kind, principal_name) = match checks::iam_principal_arn(&arn_text, partition) {
            Ok(parsed) => parsed,
            Err(reason) => {
                ctx.invalid(
                    arn,
                    "an IAM user or role ARN",
                    &reason,
                    "like `arn:aws:iam::123456789012:user/alice`",
                );
                continue;
            }
        };
        if admins.iter().any(|existing| existing.arn == arn_text) {
            ctx.push(
                arn.error(format!("`{arn_text}` is an admin twice"))
                    .label("duplicate")
                    .hint("list each IAM principal once"),
            );
            continue;
        }
        let username = match (&admin.username, username_value) {
            (_, Some(name))
                if !name.is_empty()
                    && !name.chars().any(char::is_whitespace)
                    && !name.starts_with("system:") =>
            {
                name
            }
            (Some(value), Some(_)) => {
                ctx.invalid(
                    value,
                    "a Kubernetes user name",
                    "no spaces, not empty, not starting with `system:`",
                    "like `alice`, or leave it out to use the last segment of the ARN",
                );
                continue;
            }
            (Some(_), None) => continue,
            (None, _) => match kind {
                Principal::User | Principal::Role => principal_name,
            },
        };
        let mut kubernetes_groups = Vec::new();
        let mut access = Access::ClusterAdmin;
        if let Some(groups) = &admin.groups {
            for group in &groups.value {
                let Some(text) = ctx.text(group) else {
                    continue;
                };
                if text == "system:masters" {
                    access = Access::ClusterAdmin;
                } else if text.starts_with("system:") {
                    ctx.invalid(
                        group,
                        "a group EKS access entries accept",
                        "EKS reserves `system:` groups",
                        "use `system:masters` for full access, or your own group bound with RBAC",
                    );
                } else if text.is_empty() || text.chars().any(char::is_whitespace) {
                    ctx.invalid(
                        group,
                        "a Kubernetes group",
                        "no spaces, not empty",
                        "like `ml-admins`",
                    );
                } else if !kubernetes_groups.iter().any(|existing| existing == text) {
                    kubernetes_groups.push(text.to_owned());
                }
            }
        }
        if let Some(value) = &admin.access {
            let Some(text) = ctx.text(value) else {
                continue;
            };
            match Access::ALL.iter().find(|(name, _)| *name == text) {
                Some((_, level)) => access = *level,
                None => {
                    let hint = did_you_mean(text, Access::ALL.iter().map(|(name, _)| *name));
                    ctx.invalid(value, "an access level", "unknown level", hint);
                    continue;
                }
            }
        }
        kubernetes_groups.sort();
        admins.push(Admin {
            arn: arn_text,
            username,
            kubernetes_groups,
            access,
        });
    }
    admins.sort_by(|left, right| left.arn.cmp(&right.arn));
    admins
}

const DEFAULT_INSTANCE_TYPE: &str = "m6i.2xlarge";
const DEFAULT_GPU_INSTANCE_TYPE: &str = "g5.xlarge";

fn node_groups(ctx: &mut Ctx<'_>) -> Vec<NodeGroup> {
    if ctx.spec.node_groups.is_empty() {
        return vec![NodeGroup {
            name: "general".to_owned(),
            instance_types: vec![DEFAULT_INSTANCE_TYPE.to_owned()],
            min_size: 2,
            desired_size: 2,
            max_size: 5,
            capacity_type: CapacityType::OnDemand,
            gpu: false,
            ami_type: "AL2023_x86_64_STANDARD".to_owned(),
            disk_size: 100,
            labels: BTreeMap::new(),
            taints: Vec::new(),
        }];
    }
    let mut groups = Vec::new();
    for spec in ctx.spec.node_groups.clone() {
        if let Some(group) = node_group(ctx, &spec) {
            groups.push(group);
        }
    }
    groups.sort_by(|left, right| left.name.cmp(&right.name));
    groups
}

fn node_group(ctx: &mut Ctx<'_>, spec: &NodeGroupSpec) -> Option<NodeGroup> {
    let mut ok = true;
    let name = ctx.text(&spec.name)?.to_owned();
    if let Err(reason) = checks::dns_label(&name, 63) {
        ctx.invalid(
            &spec.name,
            "a node group name",
            &reason,
            "like `general` or `gpu`: lowercase letters, digits and `-`",
        );
        ok = false;
    }
    let declared_gpu = spec.gpu.as_ref().map(|value| value.value);
    let mut types: Vec<(String, checks::InstanceType)> = Vec::new();
    match &spec.instance_types {
        Some(list) if list.value.is_empty() => {
            ctx.push(
                list.error("a node group needs at least one instance type")
                    .label("empty list")
                    .hint(
                        "list one or more, like [\"m6i.2xlarge\"], or leave `instance_types` out",
                    ),
            );
            ok = false;
        }
        Some(list) => {
            for value in &list.value {
                let Some(text) = ctx.text(value) else {
                    ok = false;
                    continue;
                };
                match checks::instance_type(text) {
                    Ok(_) if types.iter().any(|(existing, _)| existing == text) => {
                        ctx.push(
                            value
                                .error(format!("`{text}` is listed twice"))
                                .label("duplicate")
                                .hint("list each instance type once"),
                        );
                        ok = false;
                    }
                    Ok(info) => types.push((text.to_owned(), info)),
                    Err(reason) => {
                        ctx.invalid(
                            value,
                            "an EC2 instance type",
                            &reason,
                            "like `m6i.2xlarge`, or `g5.xlarge` for NVIDIA GPUs",
                        );
                        ok = false;
                    }
                }
            }
            if list.value.len() > 20 {
                ctx.push(
                    list.error("EKS accepts at most 20 instance types per node group")
                        .hint("keep the 20 you prefer, or split the node group"),
                );
                ok = false;
            }
        }
        None => {
            let default = if declared_gpu == Some(true) {
                DEFAULT_GPU_INSTANCE_TYPE
            } else {
                DEFAULT_INSTANCE_TYPE
            };
            if let Ok(info) = checks::instance_type(default) {
                types.push((default.to_owned(), info));
            }
        }
    }
    let any_gpu = types.iter().any(|(_, info)| info.gpu);
    let all_gpu = !types.is_empty() && types.iter().all(|(_, info)| info.gpu);
    let any_arm = types.iter().any(|(_, info)| info.arm);
    let all_arm = !types.is_empty() && types.iter().all(|(_, info)| info.arm);
    if let Some(list) = &spec.instance_types {
        if any_gpu && !all_gpu {
            ctx.push(
                list.error("GPU and non-GPU instance types are mixed in one node group")
                    .hint("put GPU instance types in their own node group"),
            );
            ok = false;
        }
        if any_arm && !all_arm {
            ctx.push(
                list.error("arm64 (Graviton) and x86 instance types are mixed in one node group")
                    .hint("a node group runs one architecture: split it in two"),
            );
            ok = false;
        }
        match (declared_gpu, spec.gpu.as_ref()) {
            (Some(true), Some(flag)) if !all_gpu && ok => {
                let listed = types
                    .iter()
                    .map(|(name, _)| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                ctx.push(
                    flag.error("`gpu = true`, but the instance types have no NVIDIA GPU")
                        .label(format!("instance types: {listed}"))
                        .hint("use a GPU family such as g5, g6, g6e, p4d or p5"),
                );
                ok = false;
            }
            (Some(false), Some(flag)) if any_gpu => {
                ctx.push(
                    flag.error("`gpu = false`, but the instance types are GPU instances")
                        .hint("set `gpu = true` (or remove it: sakk infers it from the instance types)"),
                );
                ok = false;
            }
            _ => {}
        }
    }
    let gpu = declared_gpu.unwrap_or(false) || all_gpu;
    let default_min = if gpu { 0 } else { 1 };
    let min = spec
        .min_size
        .as_ref()
        .map_or(default_min, |value| value.value as u32);
    let desired = spec
        .desired_size
        .as_ref()
        .map_or(min, |value| value.value as u32);
    let max = spec
        .max_size
        .as_ref()
        .map_or(min.max(desired).max(3), |value| value.value as u32);
    if max == 0
        && let Some(value) = &spec.max_size
    {
        ctx.push(
            value
                .error("`max_size` must be at least 1")
                .label("0")
                .hint("set `min_size = 0` to let the group scale to zero; `max_size` stays at least 1"),
        );
        ok = false;
    }
    if min > desired {
        let span_value = spec.desired_size.as_ref().or(spec.min_size.as_ref());
        let (span, path) = span_value.map_or(
            (spec.origin.span, spec.origin.path.key("desired_size")),
            |value| (value.span, value.path.clone()),
        );
        ctx.push(
            Diagnostic::error(format!(
                "`min_size` ({min}) is larger than `desired_size` ({desired})"
            ))
            .at(span)
            .field(&path)
            .hint("sizes must satisfy min_size <= desired_size <= max_size"),
        );
        ok = false;
    }
    if desired > max {
        let span_value = spec
            .max_size
            .as_ref()
            .or(spec.desired_size.as_ref())
            .or(spec.min_size.as_ref());
        let (span, path) = span_value.map_or(
            (spec.origin.span, spec.origin.path.key("max_size")),
            |value| (value.span, value.path.clone()),
        );
        ctx.push(
            Diagnostic::error(format!(
                "`desired_size` ({desired}) is larger than `max_size` ({max})"
            ))
            .at(span)
            .field(&path)
            .hint("sizes must satisfy min_size <= desired_size <= max_size"),
        );
        ok = false;
    }
    let capacity_type = match &spec.capacity_type {
        None => CapacityType::OnDemand,
        Some(value) => match ctx.text(value) {
            Some("on-demand") => CapacityType::OnDemand,
            Some("spot") => CapacityType::Spot,
            Some(other) => {
                let hint = did_you_mean(other, ["on-demand", "spot"]);
                ctx.invalid(
                    value,
                    "a capacity type",
                    "expected `on-demand` or `spot`",
                    hint,
                );
                ok = false;
                CapacityType::OnDemand
            }
            None => {
                ok = false;
                CapacityType::OnDemand
            }
        },
    };
    if capacity_type == CapacityType::Spot
        && types.len() == 1
        && let Some(list) = &spec.instance_types
    {
        ctx.push(
            list.warning("a spot node group with one instance type is often without capacity")
                .hint("list several similar types, like [\"m6i.2xlarge\", \"m6a.2xlarge\", \"m5.2xlarge\"]"),
        );
    }
    let disk_size = match &spec.disk_size {
        None => 100,
        Some(value) if value.value < 20 => {
            ctx.push(
                value
                    .error(format!("a {} GiB root volume is too small", value.value))
                    .hint("use at least 20 GiB; 100 GiB suits ML images"),
            );
            ok = false;
            100
        }
        Some(value) => value.value as u32,
    };
    let mut labels = BTreeMap::new();
    if let Some(map) = &spec.labels {
        for (key, value) in &map.value {
            let (Some(key_text), Some(value_text)) = (
                ctx.text(key).map(str::to_owned),
                ctx.text(value).map(str::to_owned),
            ) else {
                ok = false;
                continue;
            };
            if let Err(reason) = checks::label_key(&key_text) {
                ctx.invalid(
                    key,
                    "a Kubernetes label key",
                    &reason,
                    "like `workload` or `example.com/team`",
                );
                ok = false;
            } else if let Err(reason) = checks::label_value(&value_text) {
                ctx.invalid(
                    value,
                    "a Kubernetes label value",
                    &reason,
                    "letters, digits, `-`, `_` and `.`, like `machine-learning`",
                );
                ok = false;
            } else {
                labels.insert(key_text, value_text);
            }
        }
    }
    let mut taints = Vec::new();
    if let Some(list) = &spec.taints {
        for value in &list.value {
            let Some(text) = ctx.text(value) else {
                ok = false;
                continue;
            };
            match checks::taint(text) {
                Ok((key, taint_value, effect)) => taints.push(Taint {
                    key,
                    value: taint_value,
                    effect,
                }),
                Err(reason) => {
                    ctx.invalid(value, "a taint", &reason, "like `dedicated=ml:NoSchedule`");
                    ok = false;
                }
            }
        }
    }
    if gpu {
        labels
            .entry("nvidia.com/gpu.present".to_owned())
            .or_insert_with(|| "true".to_owned());
        if spec.taints.is_none() {
            taints.push(Taint {
                key: "nvidia.com/gpu".to_owned(),
                value: "true".to_owned(),
                effect: "NoSchedule".to_owned(),
            });
        }
    }
    taints.sort();
    let ami_type = match (all_arm, gpu) {
        (false, false) => "AL2023_x86_64_STANDARD",
        (false, true) => "AL2023_x86_64_NVIDIA",
        (true, false) => "AL2023_ARM_64_STANDARD",
        (true, true) => "AL2023_ARM_64_NVIDIA",
    };
    ok.then(|| NodeGroup {
        name,
        instance_types: types.into_iter().map(|(name, _)| name).collect(),
        min_size: min,
        desired_size: desired,
        max_size: max,
        capacity_type,
        gpu,
        ami_type: ami_type.to_owned(),
        disk_size,
        labels,
        taints,
    })
}

fn gitops(ctx: &mut Ctx<'_>, cluster: Option<&str>) -> Option<GitOps> {
    let spec = ctx.spec.gitops.clone();
    let mut ok = true;
    let repo_url = match ctx.spec.form {
        Form::Sakk => {
            let owner = spec
                .github_owner
                .as_ref()
                .and_then(|value| ctx.text(value).map(str::to_owned));
            let repository = spec
                .github_repository
                .as_ref()
                .and_then(|value| ctx.text(value).map(str::to_owned));
            if let (Some(value), Some(owner)) = (&spec.github_owner, &owner)
                && let Err(reason) = checks::github_owner(owner)
            {
                ctx.invalid(value, "a GitHub owner", &reason, "the user or organisation in github.com/<owner>/<repository>, like `example-org`");
                ok = false;
            }
            if let (Some(value), Some(repository)) = (&spec.github_repository, &repository)
                && let Err(reason) = checks::github_repository(repository)
            {
                ctx.invalid(
                    value,
                    "a GitHub repository name",
                    &reason,
                    "the repository in github.com/<owner>/<repository>, like `ml-platform`",
                );
                ok = false;
            }
            match (owner, repository) {
                (Some(owner), Some(repository)) => Some(github_url(&owner, &repository)),
                _ => None,
            }
        }
        Form::Native => match (&spec.github, &spec.url) {
            (Some(github), Some(url)) => {
                ctx.push(
                    url.error("set either `github` or `url`, not both")
                        .hint("`github = \"owner/repo\"` is short for `url = \"https://github.com/owner/repo.git\"`"),
                );
                let _ = github;
                None
            }
            (Some(github), None) => {
                let text = ctx.text(github)?;
                match text.split_once('/') {
                    Some((owner, repository))
                        if checks::github_owner(owner).is_ok()
                            && checks::github_repository(repository.trim_end_matches(".git"))
                                .is_ok() =>
                    {
                        Some(github_url(owner, repository.trim_end_matches(".git")))
                    }
                    _ => {
                        ctx.invalid(
                            github,
                            "a GitHub repository",
                            "expected `owner/repository`",
                            "like `github = \"example-org/ml-platform\"`",
                        );
                        None
                    }
                }
            }
            (None, Some(url)) => {
                let text = ctx.text(url)?;
                match checks::git_url(text) {
                    Ok(()) => Some(normalize_git_url(text)),
                    Err(reason) => {
                        ctx.invalid(url, "a git URL", &reason, "like `https://git.example.com/ml/platform.git` or `git@github.com:example-org/ml-platform.git`");
                        None
                    }
                }
            }
            (None, None) => {
                let diagnostic =
                    Diagnostic::error("no GitOps repository: Argo CD needs one to sync from")
                        .code(code::MISSING_SETTING);
                let diagnostic = match &spec.origin {
                    Some(origin) => diagnostic
                        .at(origin.span)
                        .label("neither `github` nor `url` is set")
                        .field(&origin.path.key("github"))
                        .hint("add `github = \"owner/repo\"` (or `url = \"...\"` for any git server)"),
                    None => diagnostic
                        .at(ctx.origin_span())
                        .label("no `gitops` block")
                        .field(&ctx.path("gitops"))
                        .hint("add `gitops { github = \"owner/repo\" }` (or `url = \"...\"` for any git server)"),
                };
                ctx.push(diagnostic);
                None
            }
        },
    };
    let branch = match &spec.branch {
        None => "main".to_owned(),
        Some(value) => {
            let text = ctx.text(value)?.to_owned();
            if let Err(reason) = checks::branch(&text) {
                ctx.invalid(
                    value,
                    "a git branch",
                    &reason,
                    "like `main` or `release/2026`",
                );
                ok = false;
            }
            text
        }
    };
    let path = match ctx.spec.form {
        Form::Sakk => {
            let prefix = match &spec.path_prefix {
                Some(value) => ctx.text(value)?.to_owned(),
                None => String::new(),
            };
            let apps_dir = match &spec.apps_dir {
                Some(value) => ctx.text(value)?.to_owned(),
                None => "apps".to_owned(),
            };
            let joined = if prefix.is_empty() || prefix.ends_with('/') {
                format!("{prefix}{apps_dir}")
            } else {
                format!("{prefix}/{apps_dir}")
            };
            let value = spec
                .apps_dir
                .clone()
                .or(spec.path_prefix.clone())
                .unwrap_or_else(|| {
                    Spanned::new(joined.clone(), ctx.origin_span())
                        .at_path(ctx.path("argo_apps_dir"))
                });
            repo_path_checked(ctx, &value, &joined)
        }
        Form::Native => match &spec.path {
            Some(value) => {
                let text = ctx.text(value)?.to_owned();
                repo_path_checked(ctx, value, &text)
            }
            None => cluster.map(|name| format!("clusters/{name}")),
        },
    };
    if !ok {
        return None;
    }
    Some(GitOps {
        repo_url: repo_url?,
        branch,
        path: path?,
    })
}

fn repo_path_checked(ctx: &mut Ctx<'_>, value: &Spanned<String>, text: &str) -> Option<String> {
    match checks::repo_path(text) {
        Ok(path) if path.is_empty() => {
            ctx.invalid(
                value,
                "a usable GitOps path",
                "the path is empty",
                "Argo CD needs a directory, like `clusters/prod`",
            );
            None
        }
        Ok(path) => Some(path),
        Err(reason) => {
            ctx.invalid(
                value,
                "a path in the repository",
                &reason,
                "a directory relative to the repository root, like `clusters/ml-dev`",
            );
            None
        }
    }
}

fn github_url(owner: &str, repository: &str) -> String {
    format!("https://github.com/{owner}/{repository}.git")
}

/// GitHub HTTPS URLs are written one way, so that `github = "o/r"` and
/// `url = "https://github.com/o/r"` mean the same thing.
fn normalize_git_url(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("https://github.com/") {
        let rest = rest.trim_end_matches('/').trim_end_matches(".git");
        if let Some((owner, repository)) = rest.split_once('/')
            && !repository.contains('/')
        {
            return github_url(owner, repository);
        }
    }
    url.to_owned()
}

fn identity(
    ctx: &mut Ctx<'_>,
    partition: &str,
    cluster: &str,
    region: &str,
    domain: &str,
) -> Option<Identity> {
    let spec = ctx.spec.identity.clone();
    if let Some(oidc) = &spec.oidc {
        if let Some(prefix) = &spec.cognito_domain_prefix {
            ctx.push(
                prefix
                    .warning("`cognito_domain_prefix` has no effect with an external OIDC provider")
                    .hint("remove `cognito_domain_prefix`"),
            );
        }
        let mut ok = true;
        let issuer = oidc
            .issuer
            .as_ref()
            .and_then(|value| ctx.text(value).map(str::to_owned));
        if let (Some(value), Some(issuer)) = (&oidc.issuer, &issuer)
            && (!issuer.starts_with("https://")
                || issuer.len() <= "https://".len()
                || issuer.contains(char::is_whitespace))
        {
            ctx.invalid(
                value,
                "an OIDC issuer URL",
                "issuers are https:// URLs",
                "like `https://login.example.com` or `https://accounts.google.com`",
            );
            ok = false;
        }
        let client_id = oidc
            .client_id
            .as_ref()
            .and_then(|value| ctx.text(value).map(str::to_owned));
        if let (Some(value), Some(client_id)) = (&oidc.client_id, &client_id)
            && client_id.is_empty()
        {
            ctx.invalid(
                value,
                "a client ID",
                "it is empty",
                "the client ID your OIDC provider registered for Kubeflow",
            );
            ok = false;
        }
        let secret = oidc
            .client_secret
            .as_ref()
            .and_then(|value| ctx.text(value).map(str::to_owned));
        if let (Some(value), Some(secret)) = (&oidc.client_secret, &secret)
            && let Err(reason) = checks::secret_arn(secret, partition)
        {
            ctx.not_a_secret_arn(value, "client_secret", "client secret", reason);
            ok = false;
        }
        let groups_claim = match &oidc.groups_claim {
            Some(value) => ctx.text(value)?.to_owned(),
            None => "groups".to_owned(),
        };
        if !ok {
            return None;
        }
        return Some(Identity::Oidc {
            issuer: issuer?.trim_end_matches('/').to_owned(),
            client_id: client_id?,
            client_secret_arn: secret?,
            groups_claim,
        });
    }
    let domain_prefix = match &spec.cognito_domain_prefix {
        Some(value) => {
            let text = ctx.text(value)?.to_owned();
            if let Err(reason) = checks::dns_label(&text, naming::MAX_COGNITO_PREFIX) {
                ctx.invalid(value, "a Cognito domain prefix", &reason, "leave it out and sakk derives a unique one, or use lowercase letters, digits and `-`");
                return None;
            }
            if let Some(word) = naming::FORBIDDEN_COGNITO_WORDS
                .iter()
                .find(|word| text.contains(**word))
            {
                ctx.invalid(
                    value,
                    "a Cognito domain prefix",
                    &format!("Cognito does not allow `{word}` in it"), "leave it out and sakk derives a unique one, or use lowercase letters, digits and `-`");
                return None;
            }
            text
        }
        None => naming::cognito_domain_prefix(cluster, region, domain),
    };
    Some(Identity::Cognito {
        user_pool: cluster.to_owned(),
        domain_prefix,
    })
}

/// Groups every cluster has.
const BUILTIN_GROUPS: &[(&str, ArgoRole)] = &[
    ("administrators", ArgoRole::Admin),
    ("read-only", ArgoRole::Readonly),
];

fn valid_group_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name
            .chars()
            .any(|character| character.is_whitespace() || character.is_control())
}

fn groups_and_users(ctx: &mut Ctx<'_>) -> (Vec<Group>, Vec<User>) {
    let mut groups: Vec<Group> = BUILTIN_GROUPS
        .iter()
        .map(|(name, role)| Group {
            name: (*name).to_owned(),
            argocd_role: *role,
        })
        .collect();
    for spec in ctx.spec.groups.clone() {
        let Some(name) = ctx.text(&spec.name).map(str::to_owned) else {
            continue;
        };
        if BUILTIN_GROUPS.iter().any(|(builtin, _)| *builtin == name) {
            ctx.push(
                spec.name
                    .error(format!("`{name}` is a built-in group"))
                    .hint("`administrators` (Argo CD admins) and `read-only` always exist; remove this block"),
            );
            continue;
        }
        if !valid_group_name(&name) {
            ctx.invalid(
                &spec.name,
                "a group name",
                "1 to 128 characters without spaces",
                "like `ml-admins`",
            );
            continue;
        }
        let argocd_role = match &spec.argocd_role {
            None => ArgoRole::Readonly,
            Some(value) => match ctx.text(value) {
                Some("admin") => ArgoRole::Admin,
                Some("readonly") => ArgoRole::Readonly,
                Some(other) => {
                    let hint = did_you_mean(other, ["admin", "readonly"]);
                    ctx.invalid(
                        value,
                        "an Argo CD role",
                        "expected `admin` or `readonly`",
                        hint,
                    );
                    continue;
                }
                None => continue,
            },
        };
        groups.push(Group { name, argocd_role });
    }
    let mut users: Vec<User> = Vec::new();
    // Lowercased user names seen so far.
    let mut usernames: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    // Lowercased e-mail -> the user name that has it.
    let mut emails: BTreeMap<String, String> = BTreeMap::new();
    for spec in ctx.spec.users.clone() {
        let (Some(username_value), Some(email_value)) =
            (spec.username.as_ref(), spec.email.as_ref())
        else {
            continue;
        };
        let (Some(username), Some(email)) = (
            ctx.text(username_value).map(str::to_owned),
            ctx.text(email_value).map(str::to_owned),
        ) else {
            continue;
        };
        let mut ok = true;
        if username.is_empty()
            || username.len() > 128
            || username
                .chars()
                .any(|character| character.is_whitespace() || character.is_control())
        {
            ctx.invalid(
                username_value,
                "a user name",
                "1 to 128 characters without spaces",
                "like `ada`",
            );
            ok = false;
        } else if !usernames.insert(username.to_ascii_lowercase()) {
            ctx.push(
                username_value
                    .error(format!("user `{username}` is defined twice"))
                    .label("duplicate user name")
                    .hint("user names are unique, whatever their case: rename or remove one"),
            );
            ok = false;
        }
        if let Err(reason) = checks::email(&email) {
            ctx.invalid(
                email_value,
                "an e-mail address",
                &reason,
                "write an address like `ops@example.com`",
            );
            ok = false;
        } else if let Some(first) = emails.get(&email.to_ascii_lowercase()) {
            ctx.push(
                email_value
                    .error(format!(
                        "e-mail `{email}` belongs to two users: `{first}` and `{username}`"
                    ))
                    .label("duplicate e-mail")
                    .hint("each user logs in with their own e-mail (compared without case)"),
            );
            ok = false;
        } else {
            emails.insert(email.to_ascii_lowercase(), username.clone());
        }
        let mut user_groups = Vec::new();
        match &spec.groups {
            None => user_groups.push("read-only".to_owned()),
            Some(list) => {
                for value in &list.value {
                    let Some(group) = ctx.text(value).map(str::to_owned) else {
                        ok = false;
                        continue;
                    };
                    if !groups.iter().any(|existing| existing.name == group) {
                        if ctx.spec.form == Form::Sakk && valid_group_name(&group) {
                            // SAKK creates one Cognito group per distinct `group` value.
                            groups.push(Group {
                                name: group.clone(),
                                argocd_role: ArgoRole::Readonly,
                            });
                        } else {
                            let known: Vec<String> =
                                groups.iter().map(|group| group.name.clone()).collect();
                            let hint = match sakk_core::suggest(
                                &group,
                                known.iter().map(String::as_str),
                            ) {
                                Some(close) => format!(
                                    "did you mean `{close}`? Otherwise declare it: `group \"{group}\" {{}}`"
                                ),
                                None => format!(
                                    "declare it with `group \"{group}\" {{}}`, or use `administrators` or `read-only`"
                                ),
                            };
                            ctx.push(
                                value
                                    .error(format!("group `{group}` does not exist"))
                                    .label("unknown group")
                                    .hint(hint),
                            );
                            ok = false;
                            continue;
                        }
                    }
                    if !user_groups.contains(&group) {
                        user_groups.push(group);
                    }
                }
            }
        }
        user_groups.sort();
        if ok {
            users.push(User {
                username,
                email,
                groups: user_groups,
            });
        }
    }
    groups.sort_by(|left, right| left.name.cmp(&right.name));
    users.sort_by(|left, right| left.username.cmp(&right.username));
    (groups, users)
}

/// Namespaces the platform uses; no profile may take them.
const RESERVED_NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "kubeflow",
    "kubeflow-user-example-com",
    "istio-system",
    "auth",
    "oauth2-proxy",
    "argocd",
    "cert-manager",
    "knative-serving",
    "knative-eventing",
    "external-dns",
    "external-secrets",
    "kserve",
    "kubeflow-system",
    "model-registry",
    "spark-operator",
];

fn profile_namespace(username: &str) -> String {
    let mut name: String = username
        .to_ascii_lowercase()
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() {
                character
            } else {
                '-'
            }
        })
        .collect();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    name.trim_matches('-')
        .chars()
        .take(63)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

fn profiles(
    ctx: &mut Ctx<'_>,
    users: &[User],
    cognito: bool,
    partition: &str,
    cluster: &str,
) -> Vec<Profile> {
    let mut profiles: Vec<Profile> = Vec::new();
    let mut sources: BTreeMap<String, Option<Span>> = BTreeMap::new();
    let emails: Vec<&str> = users.iter().map(|user| user.email.as_str()).collect();
    for team in ctx.spec.teams.clone() {
        let Some(name) = ctx.text(&team.name).map(str::to_owned) else {
            continue;
        };
        let mut ok = true;
        if let Err(reason) = checks::dns_label(&name, 63) {
            ctx.invalid(
                &team.name,
                "a profile name",
                &reason,
                "team names become Kubernetes namespaces",
            );
            ok = false;
        } else if RESERVED_NAMESPACES.contains(&name.as_str()) {
            ctx.invalid(
                &team.name,
                "a free namespace",
                "the platform uses this namespace",
                "pick another team name",
            );
            ok = false;
        } else if sources.contains_key(&name) {
            ctx.push(
                team.name
                    .error(format!("profile `{name}` is defined twice"))
                    .label("duplicate")
                    .hint("merge the two teams, or rename one"),
            );
            ok = false;
        }
        let known_email =
            |ctx: &mut Ctx<'_>, value: &Spanned<String>, role: &str| -> Option<String> {
                let text = ctx.text(value)?.to_owned();
                if let Err(reason) = checks::email(&text) {
                    ctx.invalid(
                        value,
                        "an e-mail address",
                        &reason,
                        "write an address like `ops@example.com`",
                    );
                    return None;
                }
                if cognito && !emails.iter().any(|email| email.eq_ignore_ascii_case(&text)) {
                    let hint = match sakk_core::suggest(&text, emails.iter().copied()) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => format!(
                            "add a `user` with this e-mail: the {role} logs in through Cognito"
                        ),
                    };
                    ctx.push(
                        value
                            .error(format!("no user has the e-mail `{text}`"))
                            .label("unknown user")
                            .hint(hint),
                    );
                    return None;
                }
                Some(text.to_ascii_lowercase())
            };
        let owner = team
            .owner
            .as_ref()
            .and_then(|value| known_email(ctx, value, "owner"));
        if team.owner.is_some() && owner.is_none() {
            ok = false;
        }
        let mut members: Vec<Member> = Vec::new();
        if let Some(map) = &team.members {
            for (email, access) in &map.value {
                let Some(email_text) = known_email(ctx, email, "member") else {
                    ok = false;
                    continue;
                };
                if owner.as_deref() == Some(email_text.as_str()) {
                    ctx.push(
                        email
                            .error(format!("`{email_text}` is the owner and a member"))
                            .hint(
                                "a profile has exactly one owner; remove the owner from `members`",
                            ),
                    );
                    ok = false;
                    continue;
                }
                if members.iter().any(|member| member.email == email_text) {
                    ctx.push(
                        email
                            .error(format!("`{email_text}` is a member twice"))
                            .label("duplicate")
                            .hint("list each member once, with one access"),
                    );
                    ok = false;
                    continue;
                }
                let access = match ctx.text(access) {
                    Some("edit") => MemberAccess::Edit,
                    Some("view") => MemberAccess::View,
                    Some(other) => {
                        let hint = did_you_mean(other, ["edit", "view"]);
                        ctx.invalid(access, "a member access", "expected `edit` or `view`", hint);
                        ok = false;
                        continue;
                    }
                    None => {
                        ok = false;
                        continue;
                    }
                };
                members.push(Member {
                    email: email_text,
                    access,
                });
            }
        }
        members.sort_by(|left, right| left.email.cmp(&right.email));
        let quota = team.quota.as_ref().map(|quota| {
            let mut checked = |value: &Option<Spanned<String>>, ok: &mut bool| -> Option<String> {
                let value = value.as_ref()?;
                let text = ctx.text(value)?.to_owned();
                match checks::quantity(&text) {
                    Ok(()) => Some(text),
                    Err(reason) => {
                        ctx.invalid(
                            value,
                            "a Kubernetes quantity",
                            &reason,
                            "like `32`, `500m` or `128Gi`",
                        );
                        *ok = false;
                        None
                    }
                }
            };
            Quota {
                cpu: checked(&quota.cpu, &mut ok),
                memory: checked(&quota.memory, &mut ok),
                storage: checked(&quota.storage, &mut ok),
                gpu: quota.gpu.as_ref().map(|value| value.value),
            }
        });
        let mut policies = Vec::new();
        if let Some(list) = &team.aws_policies {
            for value in &list.value {
                let Some(text) = ctx.text(value).map(str::to_owned) else {
                    ok = false;
                    continue;
                };
                match checks::policy_arn(&text, partition) {
                    Ok(()) if policies.contains(&text) => {
                        ctx.push(
                            value
                                .error(format!("`{text}` is listed twice"))
                                .label("duplicate")
                                .hint("list each policy once"),
                        );
                        ok = false;
                    }
                    Ok(()) => policies.push(text),
                    Err(reason) => {
                        ctx.invalid(
                            value,
                            "an IAM policy ARN",
                            &reason,
                            "like `arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess`",
                        );
                        ok = false;
                    }
                }
            }
            if policies.len() > 20 {
                ctx.push(
                    list.error("an IAM role can have at most 20 managed policies")
                        .hint("combine policies into a customer-managed policy"),
                );
                ok = false;
            }
        }
        sources.insert(name.clone(), team.name.span);
        if ok && let Some(owner) = owner {
            let iam_role = (!policies.is_empty())
                .then(|| naming::iam_role(cluster, &format!("profile-{name}")));
            profiles.push(Profile {
                name,
                kind: ProfileKind::Team,
                owner,
                members,
                quota,
                aws_policies: policies,
                iam_role,
            });
        }
    }
    // The specification of each user by name: a map, so that thousands of users stay fast.
    let user_specs: BTreeMap<&str, &UserSpec> = ctx
        .spec
        .users
        .iter()
        .rev()
        .filter_map(|spec| Some((spec.username.as_ref()?.value.as_str(), spec)))
        .collect();
    for (user, spec) in users.iter().filter_map(|user| {
        user_specs
            .get(user.username.as_str())
            .map(|spec| (user, *spec))
    }) {
        if spec.profile.as_ref().is_some_and(|value| !value.value) {
            continue;
        }
        let name = profile_namespace(&user.username);
        let span = spec.username.as_ref().and_then(|value| value.span);
        let path = spec.origin.path.clone();
        let clash = if name.is_empty() || checks::dns_label(&name, 63).is_err() {
            Some("its name cannot become a namespace".to_owned())
        } else if RESERVED_NAMESPACES.contains(&name.as_str()) {
            Some(format!("namespace `{name}` belongs to the platform"))
        } else if sources.contains_key(&name) {
            Some(format!(
                "profile `{name}` already exists (a team or another user)"
            ))
        } else {
            None
        };
        if let Some(reason) = clash {
            let setting = match ctx.spec.form {
                Form::Native => "set `profile = false` on the user, or rename the team",
                Form::Sakk => "rename the user or the team",
            };
            ctx.push(
                Diagnostic::error(format!(
                    "user `{}` cannot get a personal profile: {reason}",
                    user.username
                ))
                .at(span)
                .field(&path)
                .hint(setting),
            );
            continue;
        }
        sources.insert(name.clone(), span);
        profiles.push(Profile {
            name,
            kind: ProfileKind::Personal,
            owner: user.email.to_ascii_lowercase(),
            members: Vec::new(),
            quota: None,
            aws_policies: Vec::new(),
            iam_role: None,
        });
    }
    profiles.sort_by(|left, right| left.name.cmp(&right.name));
    profiles
}

/// What the cluster file says about one component.
struct ComponentSetting {
    enabled: Option<Spanned<bool>>,
    version: Option<String>,
    span: Option<Span>,
    path: FieldPath,
}

fn components(
    ctx: &mut Ctx<'_>,
    release: Option<&catalog::Release>,
    kubernetes_version: Option<&str>,
    has_gpu: bool,
) -> Option<Vec<Component>> {
    let mut settings: BTreeMap<&'static str, ComponentSetting> = BTreeMap::new();
    let mut ok = true;
    for spec in ctx.spec.components.clone() {
        let Some(name) = ctx.text(&spec.name).map(str::to_owned) else {
            ok = false;
            continue;
        };
        let Some(info) = catalog::component(&name) else {
            let hint = did_you_mean(
                &name,
                catalog::COMPONENTS.iter().map(|component| component.name),
            );
            ctx.invalid(&spec.name, "a component", "unknown component", hint);
            ok = false;
            continue;
        };
        let mut enabled = spec.enabled.clone();
        if let Some(value) = &spec.enabled
            && !value.value
            && info.default == Enablement::Required
        {
            ctx.push(
                value
                    .error(format!("`{name}` cannot be switched off"))
                    .label("required component")
                    .hint(format!(
                        "every sakk platform runs {}: remove `enabled = false`",
                        info.description
                    )),
            );
            ok = false;
            // Counted as on below: the components that need it are not at fault.
            enabled = None;
        }
        let version = match &spec.version {
            None => None,
            Some(value) => {
                let Some(text) = ctx.text(value).map(str::to_owned) else {
                    ok = false;
                    continue;
                };
                if text.is_empty()
                    || text.len() > 128
                    || !text.chars().all(|character| {
                        character.is_ascii_alphanumeric() || "._-+".contains(character)
                    })
                {
                    ctx.invalid(
                        value,
                        "a version",
                        "letters, digits, `.`, `-`, `+` and `_` only",
                        "like `2.16.0` or `v1.19.4`",
                    );
                    ok = false;
                    None
                } else if !info.version_overridable() {
                    let hint = match info.source {
                        catalog::Source::Rendered => {
                            format!("sakk renders `{}` itself; remove `version`", info.name)
                        }
                        _ => format!(
                            "`{}` follows the Kubeflow release: choose it with `kubeflow {{ release = \"...\" }}`",
                            info.name
                        ),
                    };
                    ctx.push(
                        value
                            .error(format!(
                                "`{}` has no version of its own to override",
                                info.name
                            ))
                            .label("not overridable")
                            .hint(hint),
                    );
                    ok = false;
                    None
                } else {
                    Some(text)
                }
            }
        };
        if info.name == "nvidia-device-plugin"
            && !has_gpu
            && let Some(enabled) = &spec.enabled
            && enabled.value
        {
            ctx.push(
                enabled
                    .warning("`nvidia-device-plugin` is on, but no node group has GPUs")
                    .hint("it is switched on by itself when a node group has GPU instances: remove this block"),
            );
        }
        settings.insert(
            info.name,
            ComponentSetting {
                enabled,
                version,
                span: spec.name.span,
                path: spec.origin.path.clone(),
            },
        );
    }
    let release = release?;
    let kubernetes_version = kubernetes_version?;
    let mut components = Vec::new();
    for info in catalog::COMPONENTS {
        let setting = settings.get(info.name);
        let explicit =
            setting.and_then(|setting| setting.enabled.as_ref().map(|value| value.value));
        let enabled = explicit.unwrap_or(match info.default {
            Enablement::Required | Enablement::On => true,
            Enablement::Off => false,
            Enablement::WithGpu => has_gpu,
        });
        let (version, version_overridden) =
            match setting.and_then(|setting| setting.version.clone()) {
                Some(version) => (version, true),
                None => (release.version_of(info.name, kubernetes_version)?, false),
            };
        components.push(Component {
            name: info.name.to_owned(),
            enabled,
            version,
            version_overridden,
        });
    }
    for info in catalog::COMPONENTS {
        let enabled = components
            .iter()
            .any(|component| component.name == info.name && component.enabled);
        if !enabled {
            continue;
        }
        for needed in info.requires {
            if components
                .iter()
                .any(|component| component.name == *needed && !component.enabled)
            {
                let (span, path) = settings
                    .get(needed)
                    .map(|setting| (setting.span, setting.path.clone()))
                    .unwrap_or((ctx.origin_span(), ctx.path("component")));
                ctx.push(
                    Diagnostic::error(format!(
                        "`{}` needs `{needed}`, which is switched off",
                        info.name
                    ))
                    .at(span)
                    .field(&path)
                    .hint(format!(
                        "switch `{needed}` back on, or switch `{}` off too",
                        info.name
                    )),
                );
                ok = false;
            }
        }
    }
    ok.then_some(components)
}

fn database(ctx: &mut Ctx<'_>, partition: &str, cluster: &str) -> Option<Database> {
    match ctx.spec.database.clone() {
        None => Some(Database::InCluster),
        Some(DatabaseSpec::Empty(_)) => None,
        Some(DatabaseSpec::Rds {
            instance_class,
            storage_gb,
            multi_az,
            ..
        }) => {
            let class = match &instance_class {
                None => "db.t4g.medium".to_owned(),
                Some(value) => {
                    let text = ctx.text(value)?.to_owned();
                    let parts: Vec<&str> = text.split('.').collect();
                    if parts.len() != 3
                        || parts[0] != "db"
                        || parts.iter().any(|part| part.is_empty())
                    {
                        ctx.invalid(
                            value,
                            "an RDS instance class",
                            "expected `db.<family>.<size>`",
                            "like `db.t4g.medium` or `db.r6g.large`",
                        );
                        return None;
                    }
                    text
                }
            };
            let storage = match &storage_gb {
                None => 20,
                Some(value) if value.value < 20 => {
                    ctx.push(
                        value
                            .error("RDS MySQL needs at least 20 GiB of storage")
                            .hint("set `storage_gb = 20` or more"),
                    );
                    return None;
                }
                Some(value) => value.value as u32,
            };
            let base = format!("{cluster}-kubeflow");
            let base = if base.starts_with(|character: char| character.is_ascii_digit()) {
                format!("kf-{base}")
            } else {
                base
            };
            Some(Database::Rds {
                identifier: naming::fit(&base, naming::MAX_RDS_IDENTIFIER),
                instance_class: class,
                storage_gb: storage,
                multi_az: multi_az.is_some_and(|value| value.value),
                password_secret: format!("sakk/{cluster}/database"),
            })
        }
        Some(DatabaseSpec::External {
            host,
            port,
            username,
            password_secret,
            ..
        }) => {
            let host_text = ctx.text(host.as_ref()?)?.to_owned();
            if host_text.is_empty()
                || host_text.contains(char::is_whitespace)
                || host_text.contains("://")
            {
                ctx.invalid(
                    host.as_ref()?,
                    "a database host",
                    "write the host name or IP address alone",
                    "like `mysql.example.com`",
                );
                return None;
            }
            let port = match &port {
                None => 3306,
                Some(value) if value.value == 0 => {
                    ctx.invalid(
                        &value.clone().map(|port| port.to_string()),
                        "a port",
                        "ports are 1 to 65535",
                        "like `3306`",
                    );
                    return None;
                }
                Some(value) => u16::try_from(value.value).ok()?,
            };
            let username_text = ctx.text(username.as_ref()?)?.to_owned();
            let secret_value = password_secret.as_ref()?;
            let secret = ctx.text(secret_value)?.to_owned();
            if let Err(reason) = checks::secret_arn(&secret, partition) {
                ctx.not_a_secret_arn(secret_value, "password_secret", "password", reason);
                return None;
            }
            Some(Database::External {
                host: host_text,
                port,
                username: username_text,
                password_secret_arn: secret,
            })
        }
    }
}

fn object_store(
    ctx: &mut Ctx<'_>,
    cluster: &str,
    region: &str,
    domain: &str,
) -> Option<ObjectStore> {
    let Some(spec) = ctx.spec.object_store.clone() else {
        return Some(ObjectStore {
            bucket: naming::artifact_bucket(cluster, region, domain),
            managed: true,
        });
    };
    let existing = spec.existing.as_ref().is_some_and(|value| value.value);
    match &spec.bucket {
        Some(value) => {
            let text = ctx.text(value)?.to_owned();
            if let Err(reason) = checks::bucket_name(&text) {
                ctx.invalid(
                    value,
                    "an S3 bucket name",
                    &reason,
                    "3 to 63 lowercase letters, digits, `-` and `.`, like `ml-platform-artifacts`",
                );
                return None;
            }
            Some(ObjectStore {
                bucket: text,
                managed: !existing,
            })
        }
        None if existing => {
            ctx.push(
                Diagnostic::error("`existing = true` needs the bucket's name")
                    .at(spec.origin.span)
                    .field(&spec.origin.path.key("bucket"))
                    .hint("add `bucket = \"<name>\"`"),
            );
            None
        }
        None => Some(ObjectStore {
            bucket: naming::artifact_bucket(cluster, region, domain),
            managed: true,
        }),
    }
}

fn backend(ctx: &mut Ctx<'_>, cluster: &str, cluster_region: &str) -> Option<Backend> {
    let Some(spec) = ctx.spec.backend.clone() else {
        return Some(Backend::Local {
            path: format!(".sakk/{cluster}/state.json"),
        });
    };
    if spec.kind.value == "local" {
        let path = match &spec.path {
            Some(value) => {
                let text = ctx.text(value)?.to_owned();
                if text.is_empty() {
                    ctx.invalid(
                        value,
                        "a state file path",
                        "it is empty",
                        "like `.sakk/ml-dev/state.json`, or leave `path` out",
                    );
                    return None;
                }
                text
            }
            None => format!(".sakk/{cluster}/state.json"),
        };
        return Some(Backend::Local { path });
    }
    let sakk_form = ctx.spec.form == Form::Sakk;
    // A setting missing from a SAKK cluster belongs in its backend.hcl: point there when there is
    // one, so that a misspelt key in that file explains the missing setting.
    let origin = match &spec.settings_file {
        Some(file) if sakk_form => file.clone(),
        _ => spec.origin.clone(),
    };
    let missing = |ctx: &mut Ctx<'_>, key: &str, example: &str| {
        let hint = if sakk_form {
            format!(
                "set `{key} = {example}` in backend.hcl next to main.tf (what `terraform init -backend-config=backend.hcl` reads)"
            )
        } else {
            format!("add `{key} = {example}` to the backend block")
        };
        ctx.push(
            Diagnostic::error(format!("the S3 backend has no `{key}`"))
                .code(code::MISSING_SETTING)
                .at(origin.span)
                .field(&origin.path.key(key))
                .hint(hint),
        );
    };
    let mut ok = true;
    let bucket =
        match &spec.bucket {
            Some(value) => ctx.text(value).map(str::to_owned).and_then(|text| {
                match checks::bucket_name(&text) {
                    Ok(()) => Some(text),
                    Err(reason) => {
                        ctx.invalid(value, "an S3 bucket name", &reason, "3 to 63 lowercase letters, digits, `-` and `.`, like `ml-platform-artifacts`");
                        None
                    }
                }
            }),
            None => {
                missing(ctx, "bucket", "\"my-terraform-states\"");
                None
            }
        };
    ok &= bucket.is_some();
    let key = match &spec.key {
        Some(value) => ctx.text(value).map(str::to_owned).and_then(|text| {
            if text.is_empty() || text.starts_with('/') || text.ends_with('/') {
                ctx.invalid(
                    value,
                    "an S3 key for the state",
                    "not empty, no leading or trailing `/`",
                    "like `clusters/ml-dev/state.json`",
                );
                None
            } else {
                Some(text)
            }
        }),
        None if sakk_form => {
            missing(ctx, "key", "\"clusters/<name>\"");
            None
        }
        None => Some(format!("sakk/{cluster}/state.json")),
    };
    ok &= key.is_some();
    let region = match &spec.region {
        Some(value) => {
            ctx.text(value)
                .map(str::to_owned)
                .and_then(|text| match regions::region(&text) {
                    Some(_) => Some(text),
                    None => {
                        let hint = region_hint(&text);
                        ctx.invalid(value, "an AWS region", "unknown region", hint);
                        None
                    }
                })
        }
        None if sakk_form => {
            missing(ctx, "region", "\"us-east-2\"");
            None
        }
        None => (!cluster_region.is_empty()).then(|| cluster_region.to_owned()),
    };
    ok &= region.is_some();
    let dynamodb_table = match &spec.dynamodb_table {
        Some(value) => match ctx.text(value).map(str::to_owned) {
            Some(text) => match checks::table_name(&text) {
                Ok(()) => Some(text),
                Err(reason) => {
                    ctx.invalid(
                        value,
                        "a DynamoDB table name",
                        &reason,
                        "like `terraform-locks`",
                    );
                    ok = false;
                    None
                }
            },
            None => {
                ok = false;
                None
            }
        },
        None => None,
    };
    let kms_key_id = spec
        .kms_key_id
        .as_ref()
        .and_then(|value| ctx.text(value).map(str::to_owned));
    let profile = spec
        .profile
        .as_ref()
        .and_then(|value| ctx.text(value).map(str::to_owned));
    if !ok {
        return None;
    }
    Some(Backend::S3 {
        bucket: bucket?,
        key: key?,
        region: region?,
        dynamodb_table,
        kms_key_id,
        profile,
    })
}

fn names(
    cluster: &str,
    kubeflow: &Kubeflow,
    identity: &Option<Identity>,
    database: &Option<Database>,
    profiles: &[Profile],
) -> Names {
    let mut roles = BTreeMap::new();
    let mut role = |component: &str, purpose: &str, accounts: Vec<String>| {
        roles.insert(
            component.to_owned(),
            ServiceAccountRole {
                role: naming::iam_role(cluster, purpose),
                service_accounts: accounts,
            },
        );
    };
    role(
        "aws-ebs-csi-driver",
        "ebs-csi",
        vec!["kube-system:ebs-csi-controller-sa".into()],
    );
    role(
        "aws-load-balancer-controller",
        "aws-lb-controller",
        vec!["kube-system:aws-load-balancer-controller".into()],
    );
    role(
        "cert-manager",
        "cert-manager",
        vec!["cert-manager:cert-manager".into()],
    );
    role(
        "external-secrets",
        "external-secrets",
        vec!["external-secrets:external-secrets".into()],
    );
    if kubeflow.enabled("external-dns").is_some() {
        role(
            "external-dns",
            "external-dns",
            vec!["external-dns:external-dns".into()],
        );
    }
    if kubeflow.enabled("cluster-autoscaler").is_some() {
        role(
            "cluster-autoscaler",
            "cluster-autoscaler",
            vec!["kube-system:cluster-autoscaler".into()],
        );
    }
    if kubeflow.enabled("pipelines").is_some() {
        let mut accounts: Vec<String> = vec![
            "kubeflow:ml-pipeline".into(),
            "kubeflow:ml-pipeline-ui".into(),
        ];
        accounts.extend(
            profiles
                .iter()
                .map(|profile| format!("{}:default-editor", profile.name)),
        );
        role("pipelines", "kfp-artifacts", accounts);
    }
    let mut secrets = BTreeMap::new();
    secrets.insert(
        "oauth2-proxy".to_owned(),
        format!("sakk/{cluster}/oauth2-proxy"),
    );
    if matches!(identity, Some(Identity::Cognito { .. })) {
        secrets.insert(
            "cognito-client".to_owned(),
            format!("sakk/{cluster}/cognito-client"),
        );
    }
    if let Some(Database::Rds {
        password_secret, ..
    }) = database
    {
        secrets.insert("database".to_owned(), password_secret.clone());
    }
    let mut ownership_tags = BTreeMap::new();
    ownership_tags.insert(naming::OWNER_TAG.to_owned(), cluster.to_owned());
    ownership_tags.insert(naming::MANAGED_BY_TAG.to_owned(), "sakk".to_owned());
    Names {
        eks_cluster: cluster.to_owned(),
        vpc: cluster.to_owned(),
        cluster_role: naming::iam_role(cluster, "cluster"),
        node_role: naming::iam_role(cluster, "node"),
        kms_alias: format!("alias/sakk/{cluster}"),
        service_account_roles: roles,
        secrets,
        ownership_tags,
    }
}

/// Checks across clusters: names, GitOps paths, state locations and domains must not collide.
fn fleet(resolved: &[(&ClusterSpec, Model)], diags: &mut Diagnostics) {
    let mut seen_names: BTreeMap<&str, usize> = BTreeMap::new();
    let mut seen_domains: BTreeMap<&str, usize> = BTreeMap::new();
    let mut seen_states: BTreeMap<String, usize> = BTreeMap::new();
    for (index, (spec, model)) in resolved.iter().enumerate() {
        let name_span = spec.name.as_ref().and_then(|name| name.span);
        let name_path = spec
            .name
            .as_ref()
            .map_or_else(|| spec.path("name"), |name| name.path.clone());
        if seen_names.insert(&model.name, index).is_some() {
            diags.push(
                Diagnostic::error(format!(
                    "two cluster files define the cluster `{}`",
                    model.name
                ))
                .at(name_span)
                .field(&name_path)
                .hint("cluster names are unique in a fleet (they name IAM roles and buckets): rename one"),
            );
        }
        for domain in &model.dns.domains {
            if let Some(other) = seen_domains.insert(domain, index) {
                diags.push(
                    Diagnostic::error(format!(
                        "domain `{domain}` is also used by cluster `{}`",
                        resolved[other].1.name
                    ))
                    .at(spec.domains.as_ref().and_then(|domains| domains.span))
                    .field(&spec.path("domains"))
                    .hint("each cluster needs its own domain (for example `dev.ml.example.com`)"),
                );
            }
        }
        let state = match &model.backend {
            Backend::Local { path } => format!("local:{path}"),
            Backend::S3 { bucket, key, .. } => format!("s3://{bucket}/{key}"),
        };
        // Two clusters of the same name share their default state too; the name says it all.
        if let Some(other) = seen_states.insert(state.clone(), index)
            && resolved[other].1.name != model.name
        {
            diags.push(
                Diagnostic::error(format!(
                    "cluster `{}` keeps its state where `{}` does",
                    model.name, resolved[other].1.name
                ))
                .at(spec
                    .backend
                    .as_ref()
                    .and_then(|backend| backend.origin.span)
                    .or(name_span))
                .field(&spec.path("backend"))
                .hint(format!(
                    "{state} would hold two clusters: give each its own key"
                )),
            );
        }
        for (other_spec, other) in &resolved[..index] {
            if other.gitops.repo_url != model.gitops.repo_url
                || other.gitops.branch != model.gitops.branch
            {
                continue;
            }
            let (left, right) = (&model.gitops.path, &other.gitops.path);
            let nested = left == right
                || left.starts_with(&format!("{right}/"))
                || right.starts_with(&format!("{left}/"));
            if nested {
                let written = spec
                    .gitops
                    .path
                    .as_ref()
                    .or(spec.gitops.apps_dir.as_ref())
                    .map(|value| (value.span, value.path.clone()));
                let (span, path) = written.unwrap_or((spec.origin.span, spec.path("gitops")));
                let _ = other_spec;
                diags.push(
                    Diagnostic::error(format!(
                        "GitOps path `{left}` overlaps `{right}` of cluster `{}` in the same repository and branch",
                        other.name
                    ))
                    .at(span)
                    .field(&path)
                    .hint("give each cluster its own directory, like `clusters/<name>`"),
                );
            }
        }
    }
}
