//! Kubeflow: each component one Application whose sources are kustomize paths of
//! kubeflow/manifests at the release's commit, adapted to EKS with Argo CD kustomize patches,
//! plus the objects sakk renders for it (certificates, ExternalSecrets).

use crate::application;
use crate::components::{ROLE_ARN_ANNOTATION, nlb_annotations, wave};
use crate::platform::{certificate, external_secret, upstream_client_secret};
use crate::{App, Context, Patch, RenderError, yaml};
use sakk_model::catalog::{self, Source};
use sakk_model::model::{Database, Identity};
use serde_json::{Value, json};

/// The client ID Dex gives oauth2-proxy (upstream's name, kept so upstream docs apply).
pub const OAUTH2_PROXY_CLIENT_ID: &str = "kubeflow-oidc-authservice";
/// The Secret sakk's ExternalSecret writes for oauth2-proxy.
pub const OAUTH2_PROXY_SECRET: &str = "oauth2-proxy-sakk";
/// The gateway's certificate Secret (in istio-system, where the gateway pods read it).
pub const KUBEFLOW_TLS_SECRET: &str = "kubeflow-tls";

/// A kustomize patch with a target (the patch still a value: [`sources`] writes it as YAML).
fn patch(target: Value, patch: &Value) -> Value {
    json!({"target": target, "patch": patch})
}

/// A strategic-merge patch that removes an object from upstream's output.
fn delete(api_version: &str, kind: &str, name: &str, namespace: &str) -> Value {
    patch(
        json!({"kind": kind, "name": name}),
        &json!({
            "$patch": "delete",
            "apiVersion": api_version,
            "kind": kind,
            "metadata": {"name": name, "namespace": namespace},
        }),
    )
}

/// Sources of a component: one per kustomize path, each with its patches and the image
/// overrides of a version set in the cluster file.
fn sources(context: &Context<'_>, component: &str, patches: &[(&str, Vec<Value>)]) -> Vec<Value> {
    let images: Vec<String> = match (
        catalog::component(component),
        context.model.kubeflow.enabled(component),
    ) {
        (Some(info), Some(enabled)) if enabled.version_overridden => info
            .images
            .iter()
            .map(|image| format!("{image}:{}", enabled.version))
            .collect(),
        _ => Vec::new(),
    };
    context
        .release
        .paths_of(component)
        .iter()
        .map(|path| {
            let mut kustomize = serde_json::Map::new();
            if !images.is_empty() {
                kustomize.insert("images".to_owned(), json!(images));
            }
            if let Some((_, list)) = patches.iter().find(|(target, _)| target == path)
                && !list.is_empty()
            {
                let written = list
                    .iter()
                    .map(|patch| json!({"target": patch["target"], "patch": yaml::to_string(&patch["patch"])}))
                    .collect();
                kustomize.insert("patches".to_owned(), Value::Array(written));
            }
            let kustomize = (!kustomize.is_empty()).then_some(Value::Object(kustomize));
            application::manifests(context, path, kustomize)
        })
        .collect()
}

struct Spec<'a> {
    component: &'a str,
    namespace: &'a str,
    wave: i32,
    needs: &'a [&'a str],
}

fn app(
    context: &Context<'_>,
    spec: &Spec<'_>,
    patches: &[(&str, Vec<Value>)],
    objects: Vec<Value>,
) -> App {
    let mut needs: Vec<String> = spec.needs.iter().map(|need| (*need).to_owned()).collect();
    if let Some(info) = catalog::component(spec.component) {
        for need in info.requires {
            if !needs.iter().any(|existing| existing == need) {
                needs.push((*need).to_owned());
            }
        }
    }
    needs.sort();
    App {
        name: spec.component.to_owned(),
        component: Some(spec.component.to_owned()),
        wave: spec.wave,
        needs,
        namespace: spec.namespace.to_owned(),
        sources: sources(context, spec.component, patches),
        patches: patches
            .iter()
            .flat_map(|(path, list)| {
                list.iter().map(|patch| Patch {
                    path: (*path).to_owned(),
                    target: patch["target"].clone(),
                    patch: patch["patch"].clone(),
                })
            })
            .collect(),
        objects,
        ignore_differences: Vec::new(),
    }
}

/// The Kubeflow applications.
pub fn kubeflow(context: &Context<'_>) -> Result<Vec<App>, RenderError> {
    let model = context.model;
    let host = model.dns.kubeflow_host.as_str();
    // Kubeflow, and the inference services under it (KServe's `<name>-<namespace>.<host>`).
    let inference_hosts = format!("*.{host}");
    let hosts = [host, inference_hosts.as_str()];
    let mut apps = Vec::new();

    // Istio: the ingress gateway behind an NLB, its host written by external-dns.
    let mut istio = app(
        context,
        &Spec {
            component: "istio",
            namespace: "istio-system",
            wave: wave::MESH,
            // `platform` makes the `kubeflow` namespace the mesh's Sidecars go into.
            needs: &[
                "aws-load-balancer-controller",
                "cert-manager",
                "external-dns",
                "platform",
            ],
        },
        &[(
            "common/istio/istio-install/overlays/oauth2-proxy",
            vec![patch(
                json!({"kind": "Service", "name": "istio-ingressgateway", "namespace": "istio-system"}),
                &json!({
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": {
                        "name": "istio-ingressgateway",
                        "namespace": "istio-system",
                        "annotations": nlb_annotations(context, &hosts),
                    },
                    "spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Local"},
                }),
            )],
        )],
        Vec::new(),
    );
    if !context.enabled("external-dns") {
        istio.needs.retain(|need| need != "external-dns");
    }
    // istiod rewrites the failure policy of its validating webhook at run time.
    istio.ignore_differences.push(json!({
        "group": "admissionregistration.k8s.io",
        "kind": "ValidatingWebhookConfiguration",
        "jqPathExpressions": [".webhooks[]?.failurePolicy"],
    }));
    apps.push(istio);

    apps.push(oauth2_proxy(context)?);
    apps.push(dex(context)?);

    // The base: roles, the gateway (HTTPS with a redirect from HTTP, for Kubeflow and the
    // inference hosts under it), the self-signed issuer the Kubeflow webhooks' certificates use.
    apps.push(app(
        context,
        &Spec {
            component: "kubeflow-base",
            namespace: "kubeflow",
            wave: wave::AUTH,
            needs: &["platform"],
        },
        &[(
            "common/istio/kubeflow-istio-resources/base",
            vec![patch(
                json!({"group": "networking.istio.io", "kind": "Gateway", "name": "kubeflow-gateway"}),
                &json!({
                    "apiVersion": "networking.istio.io/v1",
                    "kind": "Gateway",
                    "metadata": {"name": "kubeflow-gateway"},
                    "spec": {
                        "selector": {"istio": "ingressgateway"},
                        "servers": [
                            {
                                "port": {"number": 80, "name": "http", "protocol": "HTTP"},
                                "hosts": hosts,
                                "tls": {"httpsRedirect": true},
                            },
                            {
                                "port": {"number": 443, "name": "https", "protocol": "HTTPS"},
                                "hosts": hosts,
                                "tls": {"mode": "SIMPLE", "credentialName": KUBEFLOW_TLS_SECRET},
                            },
                        ],
                    },
                }),
            )],
        )],
        vec![
            certificate(context, "istio-system", KUBEFLOW_TLS_SECRET, &hosts),
            json!({
                "apiVersion": "cert-manager.io/v1",
                "kind": "ClusterIssuer",
                "metadata": {"name": "kubeflow-self-signing-issuer", "labels": context.labels()},
                "spec": {"selfSigned": {}},
            }),
        ],
    ));

    let kubeflow_app = |component: &str, namespace: &str, wave: i32, needs: &[&str]| {
        app(
            context,
            &Spec {
                component,
                namespace,
                wave,
                needs,
            },
            &[],
            Vec::new(),
        )
    };
    if context.enabled("knative-serving") {
        apps.push(kubeflow_app(
            "knative-serving",
            "knative-serving",
            wave::SERVING,
            &["kubeflow-base"],
        ));
    }
    if context.enabled("kserve") {
        apps.push(kserve(context));
    }
    for component in [
        "katib",
        "central-dashboard",
        "profiles",
        "poddefaults",
        "notebooks",
        "volumes",
        "tensorboards",
        "model-registry",
        "spark-operator",
    ] {
        if context.enabled(component) {
            apps.push(kubeflow_app(
                component,
                "kubeflow",
                wave::APPLICATIONS,
                &["kubeflow-base", "oauth2-proxy", "dex"],
            ));
        }
    }
    if context.enabled("trainer") {
        let namespace = if context.release.name == "v1.10.2" {
            "kubeflow"
        } else {
            "kubeflow-system"
        };
        apps.push(kubeflow_app(
            "trainer",
            namespace,
            wave::APPLICATIONS,
            &["kubeflow-base"],
        ));
    }
    if context.enabled("pipelines") {
        apps.push(pipelines(context)?);
    }
    // Components switched off in the model are not rendered; their catalog source must be
    // kubeflow/manifests for this module to own them.
    apps.retain(|app| {
        app.component
            .as_deref()
            .and_then(catalog::component)
            .is_some_and(|info| info.source == Source::Manifests)
    });
    Ok(apps)
}

/// KServe, its inference services named under Kubeflow's host: upstream's ingress domain is
/// `example.com`, which nothing routes. `ingress` of `inferenceservice-config` is one JSON
/// string, so it is replaced whole, with upstream's other values at the pinned commits.
fn kserve(context: &Context<'_>) -> App {
    let host = &context.model.dns.kubeflow_host;
    let mut ingress = json!({
        "enableGatewayApi": false,
        "kserveIngressGateway": "kserve/kserve-ingress-gateway",
        "ingressGateway": "kubeflow/kubeflow-gateway",
        "localGateway": "knative-serving/knative-local-gateway",
        "localGatewayService": "knative-local-gateway.istio-system.svc.cluster.local",
        "ingressDomain": host,
        "ingressClassName": "istio",
        "domainTemplate": "{{ .Name }}-{{ .Namespace }}.{{ .IngressDomain }}",
        // The gateway redirects HTTP to HTTPS.
        "urlScheme": "https",
        "disableIstioVirtualHost": false,
        "disableIngressCreation": false,
    });
    if context.release.name != "v1.10.2" {
        ingress["pathTemplate"] = json!("/serving/{{ .Namespace }}/{{ .Name }}");
    }
    let paths = context.release.paths_of("kserve");
    let first = paths.first().copied().unwrap_or_default();
    app(
        context,
        &Spec {
            component: "kserve",
            namespace: "kubeflow",
            wave: wave::APPLICATIONS,
            needs: &["kubeflow-base", "oauth2-proxy", "dex"],
        },
        &[(
            first,
            vec![patch(
                json!({"kind": "ConfigMap", "name": "inferenceservice-config"}),
                &json!({
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "inferenceservice-config", "namespace": "kubeflow"},
                    "data": {"ingress": serde_json::to_string_pretty(&ingress).unwrap_or_default()},
                }),
            )],
        )],
        Vec::new(),
    )
}

fn oauth2_proxy(context: &Context<'_>) -> Result<App, RenderError> {
    let model = context.model;
    let secret_of = |purpose: &str| {
        model
            .names
            .secrets
            .get(purpose)
            .cloned()
            .ok_or_else(|| RenderError::MissingOutput {
                what: format!("secret name for `{purpose}`"),
            })
    };
    let oauth2_secret = secret_of("oauth2-proxy")?;
    let mut env_patch = Vec::new();
    for index in 0..3 {
        env_patch.push(json!({
            "op": "replace",
            "path": format!("/spec/template/spec/containers/0/env/{index}/valueFrom/secretKeyRef/name"),
            "value": OAUTH2_PROXY_SECRET,
        }));
    }
    let patches = vec![
        // Machine-to-machine access: Kubernetes service-account tokens of this cluster.
        patch(
            json!({"group": "security.istio.io", "kind": "RequestAuthentication", "name": "m2m-token-issuer"}),
            &json!([{"op": "replace", "path": "/spec/jwtRules/0/issuer", "value": context.outputs.oidc_issuer_url}]),
        ),
        // Upstream's Secret holds well-known example values: it is removed, and the Deployment
        // reads the Secret written from Secrets Manager instead.
        patch(
            json!({"group": "apps", "kind": "Deployment", "name": "oauth2-proxy"}),
            &Value::Array(env_patch),
        ),
        delete("v1", "Secret", "oauth2-proxy", "oauth2-proxy"),
    ];
    let objects = vec![external_secret(
        context,
        "oauth2-proxy",
        OAUTH2_PROXY_SECRET,
        &[
            ("client-secret", &oauth2_secret, Some("client-secret")),
            ("cookie-secret", &oauth2_secret, Some("cookie-secret")),
        ],
        Some(json!({
            "mergePolicy": "Merge",
            "data": {"client-id": OAUTH2_PROXY_CLIENT_ID},
        })),
    )];
    Ok(app(
        context,
        &Spec {
            component: "oauth2-proxy",
            namespace: "oauth2-proxy",
            wave: wave::AUTH,
            needs: &["platform"],
        },
        &[("common/oauth2-proxy/overlays/m2m-dex-and-eks", patches)],
        objects,
    ))
}

fn dex(context: &Context<'_>) -> Result<App, RenderError> {
    let model = context.model;
    let host = &model.dns.kubeflow_host;
    let (id, name, issuer, client_id, groups_claim) = match &model.identity {
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
                "cognito",
                "Cognito",
                cognito.issuer(&model.region),
                cognito.client_id.clone(),
                "cognito:groups".to_owned(),
            )
        }
        Identity::Oidc {
            issuer,
            client_id,
            groups_claim,
            ..
        } => (
            "sso",
            "Single sign-on",
            issuer.clone(),
            client_id.clone(),
            groups_claim.clone(),
        ),
    };
    let config = json!({
        // oauth2-proxy redeems codes in-cluster, so the issuer stays the in-cluster URL.
        "issuer": "http://dex.auth.svc.cluster.local:5556/dex",
        "storage": {"type": "kubernetes", "config": {"inCluster": true}},
        "web": {"http": "0.0.0.0:5556"},
        "logger": {"level": "info", "format": "json"},
        "oauth2": {"skipApprovalScreen": true},
        "enablePasswordDB": false,
        "staticClients": [{
            "idEnv": "OIDC_CLIENT_ID",
            "secretEnv": "OIDC_CLIENT_SECRET",
            "name": "Kubeflow",
            "redirectURIs": ["/oauth2/callback"],
        }],
        "connectors": [{
            "type": "oidc",
            "id": id,
            "name": name,
            "config": {
                "issuer": issuer,
                "clientID": client_id,
                // Dex expands environment variables: the secret stays in the pod's environment.
                "clientSecret": "$UPSTREAM_CLIENT_SECRET",
                "redirectURI": format!("https://{host}/dex/callback"),
                "scopes": ["openid", "email", "profile"],
                "userNameKey": "email",
                "insecureEnableGroups": true,
                "claimMapping": {"groups": groups_claim},
            },
        }],
    });
    let oauth2_secret = model
        .names
        .secrets
        .get("oauth2-proxy")
        .cloned()
        .ok_or_else(|| RenderError::MissingOutput {
            what: "secret name for `oauth2-proxy`".to_owned(),
        })?;
    let (upstream, property) = upstream_client_secret(context)?;
    let patches = vec![
        patch(
            json!({"kind": "ConfigMap", "name": "dex"}),
            &json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "dex"},
                "data": {"config.yaml": yaml::to_string(&config)},
            }),
        ),
        // Upstream's example user and client secret are removed; the Deployment reads the
        // Secret written from Secrets Manager only.
        delete("v1", "Secret", "dex-passwords", "auth"),
        delete("v1", "Secret", "dex-oidc-client", "auth"),
        patch(
            json!({"group": "apps", "kind": "Deployment", "name": "dex"}),
            &json!([{"op": "remove", "path": "/spec/template/spec/containers/0/envFrom/1"}]),
        ),
    ];
    let objects = vec![external_secret(
        context,
        "auth",
        "dex-oidc-client",
        &[
            ("OIDC_CLIENT_SECRET", &oauth2_secret, Some("client-secret")),
            ("UPSTREAM_CLIENT_SECRET", &upstream, property),
        ],
        Some(json!({
            "mergePolicy": "Merge",
            "data": {"OIDC_CLIENT_ID": OAUTH2_PROXY_CLIENT_ID},
        })),
    )];
    Ok(app(
        context,
        &Spec {
            component: "dex",
            namespace: "auth",
            wave: wave::AUTH,
            needs: &["platform"],
        },
        &[("common/dex/overlays/oauth2-proxy", patches)],
        objects,
    ))
}

/// The in-cluster object store of a release's Pipelines, replaced by the cluster's S3 bucket.
fn object_store_objects(release: &str) -> &'static [(&'static str, &'static str)] {
    if release == "v1.10.2" {
        &[
            ("Deployment", "minio"),
            ("Service", "minio-service"),
            ("PersistentVolumeClaim", "minio-pvc"),
        ]
    } else {
        &[
            ("Deployment", "seaweedfs"),
            ("Service", "seaweedfs"),
            ("PersistentVolumeClaim", "seaweedfs-pvc"),
            ("ServiceAccount", "seaweedfs"),
            ("NetworkPolicy", "seaweedfs"),
        ]
    }
}

fn api_version_of(kind: &str) -> &'static str {
    match kind {
        "Deployment" => "apps/v1",
        "NetworkPolicy" => "networking.k8s.io/v1",
        _ => "v1",
    }
}

fn pipelines(context: &Context<'_>) -> Result<App, RenderError> {
    let model = context.model;
    let bucket = &context.outputs.artifact_bucket;
    let role = context.role_arn("pipelines")?;
    let mut config = json!({
        "bucketName": bucket,
        "defaultPipelineRoot": format!("s3://{bucket}/v2/artifacts"),
    });
    let mut patches = Vec::new();
    let mut objects = Vec::new();
    let external_database =
        match &model.database {
            Database::InCluster => None,
            Database::Rds {
                password_secret, ..
            } => {
                let endpoint = context.outputs.database.as_ref().ok_or_else(|| {
                    RenderError::MissingOutput {
                        what: "RDS endpoint (database)".to_owned(),
                    }
                })?;
                Some((
                    endpoint.host.clone(),
                    endpoint.port,
                    password_secret.clone(),
                    Some("username"),
                ))
            }
            Database::External {
                host,
                port,
                password_secret_arn,
                ..
            } => Some((host.clone(), *port, password_secret_arn.clone(), None)),
        };
    if let Some((host, port, secret, username_property)) = &external_database {
        for key in ["dbHost", "mysqlHost"] {
            config[key] = json!(host);
        }
        for key in ["dbPort", "mysqlPort"] {
            config[key] = json!(port.to_string());
        }
        for (kind, name) in [
            ("Deployment", "mysql"),
            ("Service", "mysql"),
            ("PersistentVolumeClaim", "mysql-pv-claim"),
            ("Secret", "mysql-secret"),
        ] {
            patches.push(delete(api_version_of(kind), kind, name, "kubeflow"));
        }
        let mut data: Vec<(&str, &str, Option<&str>)> = Vec::new();
        let password_property = if username_property.is_some() {
            Some("password")
        } else {
            None
        };
        data.push(("password", secret, password_property));
        let template = match (username_property, &model.database) {
            (Some(property), _) => {
                data.push(("username", secret, Some(property)));
                None
            }
            (None, Database::External { username, .. }) => Some(json!({
                "mergePolicy": "Merge",
                "data": {"username": username},
            })),
            _ => None,
        };
        objects.push(external_secret(
            context,
            "kubeflow",
            "mysql-secret",
            &data,
            template,
        ));
    }
    patches.push(patch(
        json!({"kind": "ConfigMap", "name": "pipeline-install-config"}),
        &json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "pipeline-install-config"},
            "data": config,
        }),
    ));
    for account in ["ml-pipeline", "ml-pipeline-ui"] {
        patches.push(patch(
            json!({"kind": "ServiceAccount", "name": account}),
            &json!({
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": account, "annotations": {ROLE_ARN_ANNOTATION: role}},
            }),
        ));
    }
    // Artifacts go to the cluster's bucket with the pods' IRSA credentials.
    patches.push(patch(
        json!({"group": "apps", "kind": "Deployment", "name": "ml-pipeline"}),
        &json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "ml-pipeline"},
            "spec": {"template": {"spec": {"containers": [{
                "name": "ml-pipeline-api-server",
                "env": [
                    {"name": "OBJECTSTORECONFIG_HOST", "value": format!("s3.{}.amazonaws.com", model.region)},
                    {"name": "OBJECTSTORECONFIG_REGION", "value": model.region},
                    {"name": "OBJECTSTORECONFIG_PORT", "value": "443"},
                    {"name": "OBJECTSTORECONFIG_SECURE", "value": "true"},
                ],
            }]}}},
        }),
    ));
    for (kind, name) in object_store_objects(context.release.name) {
        patches.push(delete(api_version_of(kind), kind, name, "kubeflow"));
    }
    let paths = context.release.paths_of("pipelines");
    let first = paths.first().copied().unwrap_or_default();
    Ok(app(
        context,
        &Spec {
            component: "pipelines",
            namespace: "kubeflow",
            wave: wave::APPLICATIONS,
            needs: &["kubeflow-base", "oauth2-proxy", "dex"],
        },
        &[(first, patches)],
        objects,
    ))
}
