//! The native form: one `cluster "<name>" { ... }` block per file.

use crate::reader::{Fields, block_header_span, span_of};
use crate::sakk::read_backend_block;
use crate::spec::{
    AdminSpec, ClusterSpec, ComponentSpec, DatabaseSpec, Form, GroupSpec, NodeGroupSpec,
    ObjectStoreSpec, OidcSpec, Origin, QuotaSpec, TeamSpec, UserSpec,
};
use hcl_edit::Span as _;
use hcl_edit::structure::Block;
use sakk_core::{Diagnostic, Diagnostics, FieldPath, SourceId, Spanned};

/// Reads a `cluster "<name>" { ... }` block.
pub(crate) fn read_cluster(
    source: SourceId,
    block: &Block,
    diags: &mut Diagnostics,
) -> ClusterSpec {
    let header = block_header_span(source, block);
    let label = block.labels.first();
    let name_text = label.map_or("", |label| label.as_str());
    let path = FieldPath::root().key("cluster").label(name_text);
    let mut spec = ClusterSpec::empty(
        Form::Native,
        source,
        Origin {
            path: path.clone(),
            span: header,
        },
    );
    match block.labels.as_slice() {
        [label] => {
            spec.name = Some(
                Spanned::new(label.as_str().to_owned(), span_of(source, label.span()))
                    .at_path(FieldPath::root().key("cluster")),
            );
        }
        labels => diags.push(
            Diagnostic::error(format!(
                "the `cluster` block takes exactly one label, its name; found {}",
                labels.len()
            ))
            .at(header)
            .field(&FieldPath::root().key("cluster"))
            .hint("write `cluster \"my-cluster\" { ... }`"),
        ),
    }
    let mut fields = Fields::from_body(
        source,
        path.clone(),
        &block.body,
        header,
        format!("`cluster \"{name_text}\"`"),
        diags,
    );
    spec.region = fields.required_string(
        diags,
        "region",
        "add `region = \"us-east-1\"` (the AWS region of the cluster)",
    );
    spec.availability_zones = fields.string_list(diags, "availability_zones");
    spec.kubernetes_version = fields.string(diags, "kubernetes_version");
    if let Some(tags) = fields.string_map(diags, "tags") {
        spec.tags = tags.value;
    }
    spec.domains = if fields.has("domains") {
        fields.string_list(diags, "domains")
    } else {
        fields.missing(
            diags,
            "domains",
            "add `domains = [\"ml.example.com\"]`: Kubeflow is served at kubeflow.<first domain>",
        );
        None
    };
    spec.parent_zone_id = fields.string(diags, "parent_zone_id");
    spec.private_dns = fields.bool(diags, "private_dns");
    spec.acme_email = fields.string(diags, "acme_email");
    if let Some(list) = fields.string_list(diags, "admins") {
        for arn in list.value {
            spec.admins.push(AdminSpec {
                origin: Origin {
                    path: arn.path.clone(),
                    span: arn.span,
                },
                arn: Some(arn),
                username: None,
                groups: None,
                access: None,
            });
        }
    }
    for (arn, mut admin) in fields.labeled_blocks(
        diags,
        "admin",
        "admin \"arn:aws:iam::123456789012:role/ops\" { ... }",
    ) {
        spec.admins.push(AdminSpec {
            origin: Origin {
                path: admin.path().clone(),
                span: admin.span(),
            },
            username: admin.string(diags, "username"),
            groups: admin.string_list(diags, "kubernetes_groups"),
            access: admin.string(diags, "access"),
            arn: Some(arn),
        });
        admin.finish(diags);
    }
    if let Some(mut network) = fields.single_block(diags, "network") {
        spec.network.origin = Some(Origin {
            path: network.path().clone(),
            span: network.span(),
        });
        spec.network.vpc_cidr = network.string(diags, "vpc_cidr");
        spec.network.nat_gateways = network.string(diags, "nat_gateways");
        spec.network.private_subnets = network.string_list(diags, "private_subnets");
        spec.network.public_subnets = network.string_list(diags, "public_subnets");
        spec.network.endpoint_public_access = network.bool(diags, "endpoint_public_access");
        spec.network.public_access_cidrs = network.string_list(diags, "public_access_cidrs");
        network.finish(diags);
    }
    for (name, mut group) in
        fields.labeled_blocks(diags, "node_group", "node_group \"general\" { ... }")
    {
        spec.node_groups.push(NodeGroupSpec {
            origin: Origin {
                path: group.path().clone(),
                span: group.span(),
            },
            name,
            instance_types: group.string_list(diags, "instance_types"),
            min_size: group.uint(diags, "min_size", 1000),
            desired_size: group.uint(diags, "desired_size", 1000),
            max_size: group.uint(diags, "max_size", 1000),
            capacity_type: group.string(diags, "capacity_type"),
            gpu: group.bool(diags, "gpu"),
            disk_size: group.uint(diags, "disk_size", 16_384),
            labels: group.string_map(diags, "labels"),
            taints: group.string_list(diags, "taints"),
        });
        group.finish(diags);
    }
    if let Some(mut gitops) = fields.single_block(diags, "gitops") {
        spec.gitops.origin = Some(Origin {
            path: gitops.path().clone(),
            span: gitops.span(),
        });
        spec.gitops.github = gitops.string(diags, "github");
        spec.gitops.url = gitops.string(diags, "url");
        spec.gitops.branch = gitops.string(diags, "branch");
        spec.gitops.path = gitops.string(diags, "path");
        gitops.finish(diags);
    }
    if let Some(mut identity) = fields.single_block(diags, "identity") {
        spec.identity.cognito_domain_prefix = identity.string(diags, "cognito_domain_prefix");
        if let Some(mut oidc) = identity.single_block(diags, "oidc") {
            spec.identity.oidc = Some(OidcSpec {
                origin: Origin {
                    path: oidc.path().clone(),
                    span: oidc.span(),
                },
                issuer: oidc.required_string(diags, "issuer", "add `issuer = \"https://login.example.com\"`"),
                client_id: oidc.required_string(diags, "client_id", "add `client_id = \"kubeflow\"`"),
                client_secret: oidc.required_string(
                    diags,
                    "client_secret",
                    "add `client_secret = \"arn:aws:secretsmanager:<region>:<account>:secret:<name>\"`: \
                     the ARN of the Secrets Manager secret holding the client secret, never the secret itself",
                ),
                groups_claim: oidc.string(diags, "groups_claim"),
            });
            oidc.finish(diags);
        }
        identity.finish(diags);
    }
    for (name, mut group) in fields.labeled_blocks(diags, "group", "group \"ml-admins\" { ... }") {
        spec.groups.push(GroupSpec {
            origin: Origin {
                path: group.path().clone(),
                span: group.span(),
            },
            name,
            argocd_role: group.string(diags, "argocd_role"),
        });
        group.finish(diags);
    }
    for (username, mut user) in fields.labeled_blocks(
        diags,
        "user",
        "user \"alice\" { email = \"alice@example.com\" }",
    ) {
        spec.users.push(UserSpec {
            origin: Origin {
                path: user.path().clone(),
                span: user.span(),
            },
            email: user.required_string(diags, "email", "add `email = \"user@example.com\"`"),
            groups: user.string_list(diags, "groups"),
            profile: user.bool(diags, "profile"),
            username: Some(username),
        });
        user.finish(diags);
    }
    for (name, mut team) in fields.labeled_blocks(
        diags,
        "team",
        "team \"vision\" { owner = \"lead@example.com\" }",
    ) {
        let owner = team.required_string(
            diags,
            "owner",
            "add `owner = \"lead@example.com\"`: every team has exactly one owner",
        );
        let members = team.string_map(diags, "members");
        let aws_policies = team.string_list(diags, "aws_policies");
        let quota = team.single_block(diags, "quota").map(|mut quota| {
            let spec = QuotaSpec {
                origin: Origin {
                    path: quota.path().clone(),
                    span: quota.span(),
                },
                cpu: quota.string(diags, "cpu"),
                memory: quota.string(diags, "memory"),
                gpu: quota.uint(diags, "gpu", 10_000),
                storage: quota.string(diags, "storage"),
            };
            quota.finish(diags);
            spec
        });
        spec.teams.push(TeamSpec {
            origin: Origin {
                path: team.path().clone(),
                span: team.span(),
            },
            name,
            owner,
            members,
            quota,
            aws_policies,
        });
        team.finish(diags);
    }
    if let Some(mut kubeflow) = fields.single_block(diags, "kubeflow") {
        spec.kubeflow_release = kubeflow.string(diags, "release");
        kubeflow.finish(diags);
    }
    for (name, mut component) in fields.labeled_blocks(
        diags,
        "component",
        "component \"katib\" { enabled = false }",
    ) {
        spec.components.push(ComponentSpec {
            origin: Origin {
                path: component.path().clone(),
                span: component.span(),
            },
            name,
            enabled: component.bool(diags, "enabled"),
            version: component.string(diags, "version"),
        });
        component.finish(diags);
    }
    let databases = fields.labeled_blocks(diags, "database", "database \"rds\" { ... }");
    for (index, (kind, mut database)) in databases.into_iter().enumerate() {
        let origin = Origin {
            path: database.path().clone(),
            span: database.span(),
        };
        if index > 0 {
            diags.push(
                Diagnostic::error("only one `database` block is allowed")
                    .at(origin.span)
                    .field(&origin.path)
                    .hint("keep one of them"),
            );
            continue;
        }
        spec.database = match kind.value.as_str() {
            "rds" => Some(DatabaseSpec::Rds {
                origin,
                instance_class: database.string(diags, "instance_class"),
                storage_gb: database.uint(diags, "storage_gb", 65_536),
                multi_az: database.bool(diags, "multi_az"),
            }),
            "external" => Some(DatabaseSpec::External {
                origin,
                host: database.required_string(diags, "host", "add `host = \"mysql.example.com\"`"),
                port: database.uint(diags, "port", 65_535),
                username: database.required_string(
                    diags,
                    "username",
                    "add `username = \"kubeflow\"`",
                ),
                password_secret: database.required_string(
                    diags,
                    "password_secret",
                    "add `password_secret = \"arn:aws:secretsmanager:...\"`: the ARN of the secret \
                     holding the password, never the password itself",
                ),
            }),
            other => {
                diags.push(
                    kind.error(format!("unknown database kind `{other}`"))
                        .label("unknown kind")
                        .hint(sakk_core::did_you_mean(other, ["rds", "external"])),
                );
                Some(DatabaseSpec::Empty(origin))
            }
        };
        database.finish(diags);
    }
    if let Some(mut store) = fields.single_block(diags, "object_store") {
        spec.object_store = Some(ObjectStoreSpec {
            origin: Origin {
                path: store.path().clone(),
                span: store.span(),
            },
            bucket: store.string(diags, "bucket"),
            existing: store.bool(diags, "existing"),
        });
        store.finish(diags);
    }
    let backends = fields.blocks("backend");
    for (index, backend) in backends.iter().enumerate() {
        if index > 0 {
            diags.push(
                Diagnostic::error("only one `backend` block is allowed")
                    .at(block_header_span(source, backend))
                    .field(&path.key("backend"))
                    .hint("keep one of them"),
            );
            continue;
        }
        spec.backend = read_backend_block(source, backend, &path.key("backend"), diags);
    }
    fields.finish(diags);
    spec
}
