//! The SAKK form: a Terraform root module (`main.tf`) that calls the sak-kubeflow module, as the
//! Swiss Army Kube for Kubeflow quick start shows, plus `backend.hcl` for the S3 backend.

use crate::reader::{At, Fields, block_header_span, span_of};
use crate::spec::{AdminSpec, BackendSpec, ClusterSpec, Form, Origin, UserSpec};
use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use sakk_core::{Diagnostic, Diagnostics, FieldPath, SourceId, Span, Spanned};

/// SAKK's name for a setting, for messages about SAKK-form files.
pub(crate) fn setting_name(name: &str) -> &str {
    match name {
        "name" => "cluster_name",
        "region" => "aws_region",
        "parent_zone_id" => "mainzoneid",
        "acme_email" => "cert_manager_email",
        "admins" => "admin_arns",
        "users" => "cognito_users",
        "private_dns" => "aws_private",
        "gitops.github_owner" => "owner",
        "gitops.github_repository" => "repository",
        "gitops.branch" => "branch",
        "gitops.path" => "argo_apps_dir",
        other => other,
    }
}

/// SAKK's region default (`variables.tf`).
pub(crate) const SAKK_DEFAULT_REGION: &str = "us-east-2";

/// Reads a `module` block that calls sak-kubeflow.
pub(crate) fn read_module(
    source: SourceId,
    block: &Block,
    terraform_backend: Option<BackendSpec>,
    diags: &mut Diagnostics,
) -> ClusterSpec {
    let label = block.labels.first().map_or("", |label| label.as_str());
    let path = FieldPath::root().key("module").key(label);
    let header = block_header_span(source, block);
    let mut spec = ClusterSpec::empty(
        Form::Sakk,
        source,
        Origin {
            path: path.clone(),
            span: header,
        },
    );
    let mut fields = Fields::from_body(
        source,
        path.clone(),
        &block.body,
        header,
        format!("module `{label}`"),
        diags,
    );
    // Terraform's module meta-arguments: `source` is checked by the caller, `version` is
    // meaningless for a git source and ignored.
    fields.raw("source");
    fields.raw("version");

    spec.name = fields.required_string(
        diags,
        "cluster_name",
        "add `cluster_name = \"<name>\"`: it names the EKS cluster and everything sakk creates",
    );
    spec.gitops.github_owner = fields.required_string(
        diags,
        "owner",
        "add `owner = \"<github-owner>\"`: Argo CD syncs from github.com/<owner>/<repository>",
    );
    spec.gitops.github_repository = fields.required_string(
        diags,
        "repository",
        "add `repository = \"<github-repository>\"`",
    );
    spec.gitops.branch = fields.string(diags, "branch");
    spec.gitops.path_prefix = fields.string(diags, "argo_path_prefix");
    spec.gitops.apps_dir = fields.string(diags, "argo_apps_dir");
    spec.parent_zone_id = fields.required_string(
        diags,
        "mainzoneid",
        "add `mainzoneid = \"<route53-zone-id>\"` (the parent zone that delegates your domain), \
         or `mainzoneid = \"\"` to skip delegation",
    );
    spec.domains = if fields.has("domains") {
        fields.string_list(diags, "domains")
    } else {
        fields.missing(diags, "domains", "add `domains = [\"ml.example.com\"]`");
        None
    };
    // Required unless `aws_private = true`: sakk-model decides, with the other TLS rules.
    spec.acme_email = fields.string(diags, "cert_manager_email");
    spec.region = fields
        .string(diags, "aws_region")
        .or_else(|| Some(Spanned::defaulted(SAKK_DEFAULT_REGION.to_owned())));
    spec.availability_zones = fields.string_list(diags, "availability_zones");
    spec.private_dns = fields.bool(diags, "aws_private");
    for key in ["environment", "project"] {
        if let Some(value) = fields.string(diags, key) {
            spec.tags
                .push((Spanned::new(key.to_owned(), fields.key_span(key)), value));
        }
    }
    if let Some((at, expr)) = fields.raw("admin_arns") {
        spec.admins = read_admins(&at, expr, diags);
    }
    if let Some((at, expr)) = fields.raw("cognito_users") {
        spec.users = read_users(&at, expr, diags);
    }
    fields.finish(diags);
    spec.backend = terraform_backend;
    spec
}

fn read_admins(at: &At, expr: &Expression, diags: &mut Diagnostics) -> Vec<AdminSpec> {
    let Some(items) = at.list(diags, expr) else {
        return Vec::new();
    };
    let mut admins = Vec::new();
    for (item_at, item) in items {
        let Some(mut fields) = item_at.object(diags, item, "this `admin_arns` entry") else {
            continue;
        };
        let admin = AdminSpec {
            origin: Origin {
                path: item_at.path.clone(),
                span: span_of(item_at.source, item.span()),
            },
            arn: fields.required_string(
                diags,
                "userarn",
                "add `userarn = \"arn:aws:iam::<account-id>:user/<name>\"`",
            ),
            username: fields.string(diags, "username"),
            groups: fields.string_list(diags, "groups"),
            access: None,
        };
        fields.finish(diags);
        admins.push(admin);
    }
    admins
}

fn read_users(at: &At, expr: &Expression, diags: &mut Diagnostics) -> Vec<UserSpec> {
    let Some(items) = at.list(diags, expr) else {
        return Vec::new();
    };
    let mut users = Vec::new();
    for (item_at, item) in items {
        let Some(mut fields) = item_at.object(diags, item, "this `cognito_users` entry") else {
            continue;
        };
        let email = fields.required_string(diags, "email", "add `email = \"user@example.com\"`");
        let username = fields.required_string(diags, "username", "add `username = \"<name>\"`");
        let groups = fields.string(diags, "group").map(|group| {
            let span = group.span;
            Spanned::new(vec![group], span)
        });
        fields.finish(diags);
        users.push(UserSpec {
            origin: Origin {
                path: item_at.path.clone(),
                span: span_of(item_at.source, item.span()),
            },
            username,
            email,
            groups,
            profile: None,
        });
    }
    users
}

/// Reads a `terraform` block: its `backend` (if any); version constraints are accepted and
/// ignored.
pub(crate) fn read_terraform_block(
    source: SourceId,
    block: &Block,
    diags: &mut Diagnostics,
) -> Option<BackendSpec> {
    let path = FieldPath::root().key("terraform");
    let mut fields = Fields::from_body(
        source,
        path.clone(),
        &block.body,
        block_header_span(source, block),
        "the `terraform` block",
        diags,
    );
    fields.raw("required_version");
    fields.blocks("required_providers");
    let backends = fields.blocks("backend");
    fields.finish(diags);
    let mut result = None;
    for (index, backend) in backends.iter().enumerate() {
        if index > 0 {
            diags.push(
                Diagnostic::error("only one backend can be configured")
                    .at(block_header_span(source, backend))
                    .field(&path.key("backend"))
                    .hint("keep one `backend` block"),
            );
            continue;
        }
        result = read_backend_block(source, backend, &path.key("backend"), diags);
    }
    result
}

/// Reads `backend "<kind>" { ... }` (Terraform's and the native form's).
pub(crate) fn read_backend_block(
    source: SourceId,
    block: &Block,
    path: &FieldPath,
    diags: &mut Diagnostics,
) -> Option<BackendSpec> {
    let header = block_header_span(source, block);
    let Some(label) = block.labels.first() else {
        diags.push(
            Diagnostic::error("the backend block needs its kind as a label")
                .at(header)
                .field(path)
                .hint("write `backend \"s3\" { ... }` or `backend \"local\" { ... }`"),
        );
        return None;
    };
    let kind = Spanned::new(label.as_str().to_owned(), span_of(source, label.span()));
    let path = path.label(kind.value.clone());
    let mut fields = Fields::from_body(
        source,
        path.clone(),
        &block.body,
        header,
        format!("the `{}` backend", kind.value),
        diags,
    );
    let backend = match kind.value.as_str() {
        "s3" => {
            let mut backend = read_s3_settings(&mut fields, diags);
            backend.kind = kind;
            backend.origin = Origin { path, span: header };
            Some(backend)
        }
        "local" => Some(BackendSpec {
            origin: Origin { path, span: header },
            kind,
            path: fields.string(diags, "path"),
            bucket: None,
            key: None,
            region: None,
            dynamodb_table: None,
            kms_key_id: None,
            profile: None,
            files: vec![source],
            settings_file: None,
        }),
        other => {
            diags.push(
                Diagnostic::error(format!("sakk does not support the `{other}` backend"))
                    .at(kind.span)
                    .field(&path)
                    .hint(sakk_core::did_you_mean(other, ["s3", "local"])),
            );
            return None;
        }
    };
    fields.finish(diags);
    backend
}

/// Reads the settings of an S3 backend (from a `backend "s3"` block or a `backend.hcl` file).
pub(crate) fn read_s3_settings(fields: &mut Fields<'_>, diags: &mut Diagnostics) -> BackendSpec {
    let source = fields.source();
    let backend = BackendSpec {
        origin: Origin {
            path: fields.path().clone(),
            span: fields.span(),
        },
        kind: Spanned::new("s3".to_owned(), None),
        path: None,
        bucket: fields.string(diags, "bucket"),
        key: fields.string(diags, "key"),
        region: fields.string(diags, "region"),
        dynamodb_table: fields.string(diags, "dynamodb_table"),
        kms_key_id: fields.string(diags, "kms_key_id"),
        profile: fields.string(diags, "profile"),
        files: vec![source],
        settings_file: None,
    };
    if let Some(encrypt) = fields.bool(diags, "encrypt")
        && !encrypt.value
    {
        diags.push(
            Diagnostic::warning("sakk always encrypts state; `encrypt = false` is ignored")
                .at(encrypt.span)
                .field(&fields.path().key("encrypt"))
                .hint("remove `encrypt = false`"),
        );
    }
    // Terraform's switch for S3 lock files: sakk locks with an S3 lock object whenever no
    // DynamoDB table is named, so the setting changes nothing.
    fields.bool(diags, "use_lockfile");
    backend
}

/// Reads a `backend.hcl` file: top-level S3 backend settings.
pub(crate) fn read_backend_file(
    source: SourceId,
    body: &Body,
    diags: &mut Diagnostics,
) -> BackendSpec {
    let mut fields = Fields::from_body(
        source,
        FieldPath::root(),
        body,
        Some(Span::new(source, 0, 0)),
        "the backend configuration",
        diags,
    );
    let backend = read_s3_settings(&mut fields, diags);
    fields.finish(diags);
    backend
}
