//! Cluster-wide configuration of the controllers: certificate issuers, the secret store and
//! Argo CD's own certificate and login secret.

use crate::components::{ARGOCD_OIDC_SECRET, argocd_nlb_service, wave};
use crate::{App, Context, RenderError};
use sakk_model::model::Identity;
use serde_json::{Value, json};

/// The ClusterSecretStore every ExternalSecret reads from.
pub const SECRET_STORE: &str = "aws-secrets-manager";

/// One line describing an application that is not a catalog component.
pub fn description(name: &str) -> &'static str {
    match name {
        "platform" => {
            "certificate issuers, the Secrets Manager store, Argo CD's certificate and NLB, \
             the Kubeflow namespaces"
        }
        "teams" => "one Kubeflow profile per team and user, members, quotas",
        _ => "",
    }
}

/// An ExternalSecret that writes `target` in `namespace` from Secrets Manager. `data` lists
/// (key in the Kubernetes Secret, remote secret name or ARN, JSON property if any).
pub fn external_secret(
    context: &Context<'_>,
    namespace: &str,
    target: &str,
    data: &[(&str, &str, Option<&str>)],
    template: Option<Value>,
) -> Value {
    let data: Vec<Value> = data
        .iter()
        .map(|(key, remote, property)| {
            let mut remote_ref = json!({"key": remote});
            if let Some(property) = property {
                remote_ref["property"] = json!(property);
            }
            json!({"secretKey": key, "remoteRef": remote_ref})
        })
        .collect();
    let mut target_spec = json!({"name": target, "creationPolicy": "Owner"});
    if let Some(template) = template {
        target_spec["template"] = template;
    }
    json!({
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": target, "namespace": namespace, "labels": context.labels()},
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": SECRET_STORE},
            "target": target_spec,
            "data": data,
        },
    })
}

/// The remote secret (name or ARN) and JSON property holding the identity provider's client
/// secret: sakk's own secret for Cognito, the user's secret (a plain string) for OIDC.
pub fn upstream_client_secret(
    context: &Context<'_>,
) -> Result<(String, Option<&'static str>), RenderError> {
    match &context.model.identity {
        Identity::Cognito { .. } => {
            let name = context
                .model
                .names
                .secrets
                .get("cognito-client")
                .cloned()
                .ok_or_else(|| RenderError::MissingOutput {
                    what: "secret name for `cognito-client`".to_owned(),
                })?;
            Ok((name, Some("client-secret")))
        }
        Identity::Oidc {
            client_secret_arn, ..
        } => Ok((client_secret_arn.clone(), None)),
    }
}

/// A cert-manager Certificate for `hosts`.
pub fn certificate(context: &Context<'_>, namespace: &str, name: &str, hosts: &[&str]) -> Value {
    json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": name, "namespace": namespace, "labels": context.labels()},
        "spec": {
            "secretName": name,
            "dnsNames": hosts,
            "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": context.model.tls.issuer},
            "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
        },
    })
}

fn acme_issuer(context: &Context<'_>, name: &str, server: &str, email: &str) -> Value {
    let model = context.model;
    let solvers: Vec<Value> = model
        .dns
        .domains
        .iter()
        .map(|domain| {
            let mut route53 = json!({"region": model.region});
            if let Some(zone) = context.outputs.zone_ids.get(domain) {
                route53["hostedZoneID"] = json!(zone);
            }
            json!({
                "selector": {"dnsZones": [domain]},
                "dns01": {"route53": route53},
            })
        })
        .collect();
    json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "ClusterIssuer",
        "metadata": {"name": name, "labels": context.labels()},
        "spec": {
            "acme": {
                "server": server,
                "email": email,
                "privateKeySecretRef": {"name": format!("{name}-account-key")},
                "solvers": solvers,
            },
        },
    })
}

/// What `platform` waits for: the issuers' and the store's controllers, and the load balancer
/// controller (and external-dns, when on) for Argo CD's NLB.
fn platform_needs(context: &Context<'_>) -> Vec<String> {
    let mut needs = vec![
        "aws-load-balancer-controller",
        "cert-manager",
        "external-secrets",
    ];
    if context.enabled("external-dns") {
        needs.push("external-dns");
    }
    needs.sort_unstable();
    needs.into_iter().map(str::to_owned).collect()
}

/// The `platform` application.
pub fn platform(context: &Context<'_>) -> Result<Vec<App>, RenderError> {
    let model = context.model;
    let mut objects = Vec::new();
    match &model.tls.acme_email {
        Some(email) if !model.dns.private => {
            objects.push(acme_issuer(
                context,
                "letsencrypt-staging",
                "https://acme-staging-v02.api.letsencrypt.org/directory",
                email,
            ));
            objects.push(acme_issuer(
                context,
                "letsencrypt-prod",
                "https://acme-v02.api.letsencrypt.org/directory",
                email,
            ));
        }
        _ => {
            // Private zones cannot be validated by Let's Encrypt: a cluster-local CA signs.
            objects.push(json!({
                "apiVersion": "cert-manager.io/v1",
                "kind": "ClusterIssuer",
                "metadata": {"name": "sakk-self-signed", "labels": context.labels()},
                "spec": {"selfSigned": {}},
            }));
            objects.push(json!({
                "apiVersion": "cert-manager.io/v1",
                "kind": "Certificate",
                "metadata": {"name": "sakk-private-ca", "namespace": "cert-manager", "labels": context.labels()},
                "spec": {
                    "isCA": true,
                    "commonName": format!("{} private CA", model.name),
                    "secretName": "sakk-private-ca",
                    "duration": "87600h",
                    "privateKey": {"algorithm": "ECDSA", "size": 256},
                    "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": "sakk-self-signed"},
                },
            }));
            objects.push(json!({
                "apiVersion": "cert-manager.io/v1",
                "kind": "ClusterIssuer",
                "metadata": {"name": model.tls.issuer, "labels": context.labels()},
                "spec": {"ca": {"secretName": "sakk-private-ca"}},
            }));
        }
    }
    objects.push(json!({
        "apiVersion": "external-secrets.io/v1",
        "kind": "ClusterSecretStore",
        "metadata": {"name": SECRET_STORE, "labels": context.labels()},
        "spec": {
            "provider": {
                "aws": {"service": "SecretsManager", "region": model.region},
            },
        },
    }));
    objects.push(certificate(
        context,
        "argocd",
        "argocd-server-tls",
        &[model.dns.argocd_host.as_str()],
    ));
    objects.push(argocd_nlb_service(context));
    let (remote, property) = upstream_client_secret(context)?;
    let mut argocd_secret = external_secret(
        context,
        "argocd",
        ARGOCD_OIDC_SECRET,
        &[("client-secret", &remote, property)],
        Some(json!({
            "metadata": {"labels": {"app.kubernetes.io/part-of": "argocd"}},
        })),
    );
    argocd_secret["metadata"]["labels"]["app.kubernetes.io/part-of"] = json!("argocd");
    objects.push(argocd_secret);
    Ok(vec![App {
        name: "platform".to_owned(),
        component: None,
        wave: wave::PLATFORM,
        needs: platform_needs(context),
        namespace: "argocd".to_owned(),
        // The Kubeflow namespaces, before the mesh (next wave) writes into `kubeflow`.
        sources: vec![crate::application::manifests(
            context,
            context.release.namespaces_path,
            None,
        )],
        objects,
        patches: Vec::new(),
        ignore_differences: Vec::new(),
    }])
}
