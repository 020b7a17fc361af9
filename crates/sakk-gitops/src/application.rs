//! Argo CD `Application` objects: the root of the app-of-apps and one child per component.

use crate::{App, Context};
use serde_json::{Value, json};

/// Where Argo CD runs and where the Applications live.
pub const ARGOCD_NAMESPACE: &str = "argocd";
/// The in-cluster API server, as Argo CD names it.
pub const IN_CLUSTER: &str = "https://kubernetes.default.svc";
/// The finalizer that makes deleting an Application delete what it installed.
pub const RESOURCES_FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";

/// Retries with exponential backoff: a wave whose webhook is not serving yet converges on
/// a later attempt instead of failing the sync for good.
fn retry() -> Value {
    json!({
        "limit": 10,
        "backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"},
    })
}

/// Fields that controllers rewrite after Argo CD applied them: without these, applications
/// would be OutOfSync forever.
fn ignore_differences() -> Vec<Value> {
    vec![
        json!({
            "group": "admissionregistration.k8s.io",
            "kind": "MutatingWebhookConfiguration",
            "jqPathExpressions": [".webhooks[]?.clientConfig.caBundle"],
        }),
        json!({
            "group": "admissionregistration.k8s.io",
            "kind": "ValidatingWebhookConfiguration",
            "jqPathExpressions": [".webhooks[]?.clientConfig.caBundle"],
        }),
        json!({
            "group": "apiextensions.k8s.io",
            "kind": "CustomResourceDefinition",
            "jqPathExpressions": [".spec.conversion.webhook?.clientConfig?.caBundle"],
        }),
        json!({
            "group": "apiregistration.k8s.io",
            "kind": "APIService",
            "jsonPointers": ["/spec/caBundle"],
        }),
        json!({
            "group": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "jqPathExpressions": ["select(.aggregationRule != null) | .rules"],
        }),
    ]
}

/// The root application: the directory of the tree, top-level files only (the child
/// Applications and itself, so a change to the root is synced too).
pub fn root(context: &Context<'_>) -> Value {
    let model = context.model;
    let mut labels = context.labels();
    labels["sakk.dev/application"] = json!("root");
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": "root",
            "namespace": ARGOCD_NAMESPACE,
            "labels": labels,
            "finalizers": [RESOURCES_FINALIZER],
        },
        "spec": {
            "project": "default",
            "source": {
                "repoURL": model.gitops.repo_url,
                "targetRevision": model.gitops.branch,
                "path": if model.gitops.path.is_empty() { "." } else { model.gitops.path.as_str() },
                "directory": {"recurse": false, "include": "*.yaml"},
            },
            "destination": {"server": IN_CLUSTER, "namespace": ARGOCD_NAMESPACE},
            "syncPolicy": {
                "automated": {"prune": true, "selfHeal": true},
                "syncOptions": ["ServerSideApply=true"],
                "retry": retry(),
            },
        },
    })
}

/// A child application.
pub fn child(context: &Context<'_>, app: &App) -> Value {
    let model = context.model;
    let mut sources = app.sources.clone();
    if !app.objects.is_empty() {
        sources.push(json!({
            "repoURL": model.gitops.repo_url,
            "targetRevision": model.gitops.branch,
            "path": context.manifests_path(&app.name),
            "directory": {"recurse": false, "include": "*.yaml"},
        }));
    }
    let mut labels = context.labels();
    labels["sakk.dev/application"] = json!(app.name);
    let mut annotations = json!({
        "argocd.argoproj.io/sync-wave": app.wave.to_string(),
    });
    if !app.needs.is_empty() {
        annotations["sakk.dev/needs"] = json!(app.needs.join(","));
    }
    let mut ignore = ignore_differences();
    ignore.extend(app.ignore_differences.iter().cloned());
    let mut spec = json!({"project": "default"});
    if sources.len() == 1 {
        spec["source"] = sources.remove(0);
    } else {
        spec["sources"] = Value::Array(sources);
    }
    spec["destination"] = json!({"server": IN_CLUSTER, "namespace": app.namespace});
    spec["syncPolicy"] = json!({
        "automated": {"prune": true, "selfHeal": true},
        "syncOptions": [
            "CreateNamespace=true",
            "ServerSideApply=true",
            "RespectIgnoreDifferences=true",
        ],
        "retry": retry(),
    });
    spec["ignoreDifferences"] = Value::Array(ignore);
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": app.name,
            "namespace": ARGOCD_NAMESPACE,
            "labels": labels,
            "annotations": annotations,
            "finalizers": [RESOURCES_FINALIZER],
        },
        "spec": spec,
    })
}

/// A Helm chart source.
pub fn chart(repository: &str, chart: &str, version: &str, values: Value) -> Value {
    json!({
        "repoURL": repository,
        "chart": chart,
        "targetRevision": version,
        "helm": {"releaseName": chart, "valuesObject": values},
    })
}

/// A kubeflow/manifests source at the release's commit.
pub fn manifests(context: &Context<'_>, path: &str, kustomize: Option<Value>) -> Value {
    let mut source = json!({
        "repoURL": sakk_model::catalog::MANIFESTS_REPOSITORY,
        "targetRevision": context.release.manifests_commit,
        "path": path,
    });
    if let Some(kustomize) = kustomize {
        source["kustomize"] = kustomize;
    }
    source
}

/// The Lua health check that makes Argo CD report a child Application's own health, so a sync
/// wave waits until the previous wave is Healthy (Argo CD stopped doing so in 1.8).
pub const APPLICATION_HEALTH_CHECK: &str = "\
hs = {}
hs.status = \"Progressing\"
hs.message = \"\"
if obj.status ~= nil and obj.status.health ~= nil then
  hs.status = obj.status.health.status
  if obj.status.health.message ~= nil then
    hs.message = obj.status.health.message
  end
end
return hs
";
