//! The EKS add-ons: each one a pinned Helm chart with values from the model and the outputs.

use crate::application::{self, APPLICATION_HEALTH_CHECK};
use crate::{App, Context, RenderError};
use sakk_model::catalog::{self, Source};
use sakk_model::model::{ArgoRole, Identity};
use serde_json::{Value, json};

/// The IRSA annotation.
pub const ROLE_ARN_ANNOTATION: &str = "eks.amazonaws.com/role-arn";

/// Install-order waves (see docs/gitops.md).
pub mod wave {
    /// Argo CD itself.
    pub const ARGOCD: i32 = 0;
    /// Controllers every later wave needs (webhooks, CRDs, storage), cert-manager first of all.
    pub const CONTROLLERS: i32 = 1;
    /// The AWS Load Balancer Controller: its webhook certificate comes from cert-manager, so
    /// it starts once cert-manager is Healthy.
    pub const LOAD_BALANCER: i32 = 2;
    /// Cluster-wide configuration of those controllers (issuers, secret store, Argo CD's NLB)
    /// and the Kubeflow namespaces the mesh already writes into.
    pub const PLATFORM: i32 = 3;
    /// The service mesh.
    pub const MESH: i32 = 4;
    /// Login and the Kubeflow base (roles, gateway).
    pub const AUTH: i32 = 5;
    /// Knative Serving.
    pub const SERVING: i32 = 6;
    /// Kubeflow applications.
    pub const APPLICATIONS: i32 = 7;
    /// Teams' profiles.
    pub const TEAMS: i32 = 8;
}

/// Annotations that put a Service behind an AWS NLB through the AWS Load Balancer Controller,
/// with external-dns writing `hosts`.
pub fn nlb_annotations(context: &Context<'_>, hosts: &[&str]) -> Value {
    let scheme = if context.model.dns.private {
        "internal"
    } else {
        "internet-facing"
    };
    json!({
        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": scheme,
        "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
        "external-dns.alpha.kubernetes.io/hostname": hosts.join(","),
    })
}

fn chart_source(context: &Context<'_>, component: &str, values: Value) -> Option<Value> {
    let info = catalog::component(component)?;
    let version = context.version(component)?;
    match info.source {
        Source::Chart {
            repository,
            chart,
            version: pinned,
        } => Some(application::chart(
            repository,
            chart,
            pinned.unwrap_or(version),
            values,
        )),
        _ => None,
    }
}

fn addon(
    context: &Context<'_>,
    component: &str,
    namespace: &str,
    wave: i32,
    needs: &[&str],
    values: Value,
) -> Option<App> {
    let source = chart_source(context, component, values)?;
    Some(App {
        name: component.to_owned(),
        component: Some(component.to_owned()),
        wave,
        needs: needs.iter().map(|need| (*need).to_owned()).collect(),
        namespace: namespace.to_owned(),
        sources: vec![source],
        objects: Vec::new(),
        patches: Vec::new(),
        ignore_differences: Vec::new(),
    })
}

/// The add-on applications.
pub fn addons(context: &Context<'_>) -> Result<Vec<App>, RenderError> {
    let model = context.model;
    let mut apps = Vec::new();
    apps.extend(addon(
        context,
        "argo-cd",
        "argocd",
        wave::ARGOCD,
        &[],
        argocd_values(context)?,
    ));
    apps.extend(addon(
        context,
        "aws-load-balancer-controller",
        "kube-system",
        wave::LOAD_BALANCER,
        &["argo-cd", "cert-manager"],
        json!({
            "clusterName": model.names.eks_cluster,
            "region": model.region,
            "vpcId": context.outputs.vpc_id,
            "serviceAccount": {
                "name": "aws-load-balancer-controller",
                "annotations": {ROLE_ARN_ANNOTATION: context.role_arn("aws-load-balancer-controller")?},
            },
            // Only Services that ask for the controller get it; nothing is taken over silently.
            "enableServiceMutatorWebhook": false,
            // The webhook certificate is a cert-manager Certificate, not a Helm `genCA` that
            // Argo CD (no `lookup`) would regenerate on every render.
            "enableCertManager": true,
            "replicaCount": 2,
        }),
    ));
    apps.extend(addon(
        context,
        "external-secrets",
        "external-secrets",
        wave::CONTROLLERS,
        &["argo-cd"],
        json!({
            "installCRDs": true,
            "serviceAccount": {
                "name": "external-secrets",
                "annotations": {ROLE_ARN_ANNOTATION: context.role_arn("external-secrets")?},
            },
        }),
    ));
    apps.extend(addon(
        context,
        "cert-manager",
        "cert-manager",
        wave::CONTROLLERS,
        &["argo-cd"],
        json!({
            "crds": {"enabled": true, "keep": true},
            "serviceAccount": {
                "name": "cert-manager",
                "annotations": {ROLE_ARN_ANNOTATION: context.role_arn("cert-manager")?},
            },
            // Lets the controller read the projected IRSA token.
            "securityContext": {"fsGroup": 1001},
        }),
    ));
    if context.enabled("external-dns") {
        let zone_filters: Vec<String> = model
            .dns
            .domains
            .iter()
            .filter_map(|domain| context.outputs.zone_ids.get(domain))
            .map(|zone| format!("--zone-id-filter={zone}"))
            .collect();
        let mut extra_args = vec![format!(
            "--aws-zone-type={}",
            if model.dns.private {
                "private"
            } else {
                "public"
            }
        )];
        extra_args.extend(zone_filters);
        apps.extend(addon(
            context,
            "external-dns",
            "external-dns",
            wave::CONTROLLERS,
            &["argo-cd"],
            json!({
                "provider": {"name": "aws"},
                "env": [{"name": "AWS_DEFAULT_REGION", "value": model.region}],
                "sources": ["service"],
                "domainFilters": model.dns.domains,
                "policy": "sync",
                "registry": "txt",
                "txtOwnerId": model.name,
                "extraArgs": extra_args,
                "serviceAccount": {
                    "name": "external-dns",
                    "annotations": {ROLE_ARN_ANNOTATION: context.role_arn("external-dns")?},
                },
            }),
        ));
    }
    if let Some(version) = context.version("cluster-autoscaler") {
        apps.extend(addon(
            context,
            "cluster-autoscaler",
            "kube-system",
            wave::CONTROLLERS,
            &["argo-cd"],
            json!({
                "awsRegion": model.region,
                "autoDiscovery": {"clusterName": model.names.eks_cluster},
                "image": {"tag": version},
                "rbac": {
                    "serviceAccount": {
                        "name": "cluster-autoscaler",
                        "annotations": {ROLE_ARN_ANNOTATION: context.role_arn("cluster-autoscaler")?},
                    },
                },
                "extraArgs": {
                    "balance-similar-node-groups": true,
                    "skip-nodes-with-system-pods": false,
                    "expander": "least-waste",
                },
            }),
        ));
    }
    if context.enabled("nvidia-device-plugin") {
        let mut tolerations: Vec<Value> = Vec::new();
        for group in model.node_groups.iter().filter(|group| group.gpu) {
            for taint in &group.taints {
                let toleration = json!({
                    "key": taint.key,
                    "operator": "Equal",
                    "value": taint.value,
                    "effect": taint.effect,
                });
                if !tolerations.contains(&toleration) {
                    tolerations.push(toleration);
                }
            }
        }
        apps.extend(addon(
            context,
            "nvidia-device-plugin",
            "kube-system",
            wave::CONTROLLERS,
            &["argo-cd"],
            json!({
                "nodeSelector": {"nvidia.com/gpu.present": "true"},
                "tolerations": tolerations,
            }),
        ));
    }
    if context.enabled("storage") {
        apps.push(App {
            name: "storage".to_owned(),
            component: Some("storage".to_owned()),
            wave: wave::CONTROLLERS,
            needs: vec!["argo-cd".to_owned()],
            namespace: "kube-system".to_owned(),
            sources: Vec::new(),
            objects: vec![json!({
                "apiVersion": "storage.k8s.io/v1",
                "kind": "StorageClass",
                "metadata": {
                    "name": "gp3",
                    "labels": context.labels(),
                    "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
                },
                "provisioner": "ebs.csi.aws.com",
                "parameters": {"type": "gp3", "encrypted": "true", "fsType": "ext4"},
                "reclaimPolicy": "Delete",
                "volumeBindingMode": "WaitForFirstConsumer",
                "allowVolumeExpansion": true,
            })],
            patches: Vec::new(),
            ignore_differences: Vec::new(),
        });
    }
    Ok(apps)
}

/// The Secret Argo CD reads its OIDC client secret from (created by an ExternalSecret).
pub const ARGOCD_OIDC_SECRET: &str = "sakk-oidc";

/// Values of the Argo CD chart: OIDC login through the cluster's identity provider, RBAC from
/// the model's groups, the Application health check, and the server on a ClusterIP Service
/// (its NLB comes in a later wave: [`argocd_nlb_service`]).
pub fn argocd_values(context: &Context<'_>) -> Result<Value, RenderError> {
    let model = context.model;
    let (issuer, client_id, groups_claim, name) = match &model.identity {
        Identity::Cognito { .. } => {
            let cognito =
                context
                    .outputs
                    .cognito
                    .as_ref()
                    .ok_or_else(|| RenderError::MissingOutput {
                        what: "Cognito user pool (cognito)".to_owned(),
                    })?;
            (
                cognito.issuer(&model.region),
                cognito.client_id.clone(),
                "cognito:groups".to_owned(),
                "Cognito",
            )
        }
        Identity::Oidc {
            issuer,
            client_id,
            groups_claim,
            ..
        } => (
            issuer.clone(),
            client_id.clone(),
            groups_claim.clone(),
            "SSO",
        ),
    };
    let oidc = json!({
        "name": name,
        "issuer": issuer,
        "clientID": client_id,
        "clientSecret": format!("${ARGOCD_OIDC_SECRET}:client-secret"),
        "requestedScopes": ["openid", "profile", "email"],
        "requestedIDTokenClaims": {groups_claim.clone(): {"essential": true}},
    });
    let mut policy = String::new();
    for group in &model.groups {
        if group.argocd_role == ArgoRole::Admin {
            policy.push_str(&format!("g, {}, role:admin\n", group.name));
        }
    }
    Ok(json!({
        "global": {"domain": model.dns.argocd_host},
        "crds": {"keep": true},
        "configs": {
            "cm": {
                "url": format!("https://{}", model.dns.argocd_host),
                // Logins go through the identity provider; cluster admins keep `argocd --core`.
                "admin.enabled": false,
                "oidc.config": crate::yaml::to_string(&oidc),
                "resource.customizations.health.argoproj.io_Application": APPLICATION_HEALTH_CHECK,
                "application.resourceTrackingMethod": "annotation",
            },
            "rbac": {
                "policy.default": "role:readonly",
                "policy.csv": policy,
                "scopes": format!("[{groups_claim}]"),
            },
        },
        "dex": {"enabled": false},
        // ClusterIP, so wave 0 is Healthy without a load balancer controller; the NLB in
        // front of it is `platform`'s `argocd-server-nlb`, after the controller.
        "server": {"service": {"type": "ClusterIP"}},
    }))
}

/// The chart's name for the Argo CD server's pods (`app.kubernetes.io/name` is
/// `<nameOverride>-server`, `app.kubernetes.io/instance` the release name).
const ARGOCD_SERVER_SELECTOR: (&str, &str) = ("argocd-server", "argo-cd");
/// The Argo CD server container's port (the chart's `server.containerPorts.server`).
const ARGOCD_SERVER_PORT: u16 = 8080;

/// Argo CD's own NLB: a second Service on the server's pods, made by the AWS Load Balancer
/// Controller once it runs, so Argo CD stays reachable to repair the platform even when the mesh
/// is down. Argo CD terminates TLS itself with `argocd-server-tls`.
pub fn argocd_nlb_service(context: &Context<'_>) -> Value {
    let (name, instance) = ARGOCD_SERVER_SELECTOR;
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "argocd-server-nlb",
            "namespace": "argocd",
            "labels": context.labels(),
            "annotations": nlb_annotations(context, &[context.model.dns.argocd_host.as_str()]),
        },
        "spec": {
            "type": "LoadBalancer",
            "externalTrafficPolicy": "Local",
            "selector": {
                "app.kubernetes.io/name": name,
                "app.kubernetes.io/instance": instance,
            },
            "ports": [{
                "name": "https",
                "protocol": "TCP",
                "port": 443,
                "targetPort": ARGOCD_SERVER_PORT,
            }],
        },
    })
}
