//! The convergence check: would a real Argo CD sync of the tree ever finish?
//!
//! Given the tree's documents (the Applications and the objects sakk renders) and an
//! [`Inventory`] of what each pinned upstream source builds (facts, not manifests: see
//! `scripts/inventory/generate.py`), [`check`] simulates Argo CD's order and health gates and
//! reports every reason a wave could never become Healthy:
//!
//! - the app-of-apps waves: with the Application health check in `argocd-cm`, a wave starts
//!   only when every Application of the earlier waves is Healthy;
//! - inside an Application, Argo CD's own phases (PreSync, Sync, PostSync) and resource
//!   waves, and its refusal to start a sync whose custom resources have no known type.
//!
//! The rules (see [`Rule`]) and what the check cannot prove are in `docs/gitops.md`.
//! Pure and deterministic: findings are sorted by wave, application, object and rule.

use crate::yaml;
use crate::{Outputs, Tree};
use sakk_model::Model;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The inventories committed with sakk, one file per pinned kubeflow/manifests commit or
/// Helm chart version.
pub const INVENTORY_FILES: &[(&str, &str)] = &[
    (
        "chart-argo-cd-9.7.1.json",
        include_str!("../inventory/chart-argo-cd-9.7.1.json"),
    ),
    (
        "chart-aws-load-balancer-controller-1.17.1.json",
        include_str!("../inventory/chart-aws-load-balancer-controller-1.17.1.json"),
    ),
    (
        "chart-cert-manager-v1.16.1.json",
        include_str!("../inventory/chart-cert-manager-v1.16.1.json"),
    ),
    (
        "chart-cert-manager-v1.19.4.json",
        include_str!("../inventory/chart-cert-manager-v1.19.4.json"),
    ),
    (
        "chart-cluster-autoscaler-9.59.0.json",
        include_str!("../inventory/chart-cluster-autoscaler-9.59.0.json"),
    ),
    (
        "chart-external-dns-1.20.0.json",
        include_str!("../inventory/chart-external-dns-1.20.0.json"),
    ),
    (
        "chart-external-secrets-2.9.0.json",
        include_str!("../inventory/chart-external-secrets-2.9.0.json"),
    ),
    (
        "chart-nvidia-device-plugin-0.18.2.json",
        include_str!("../inventory/chart-nvidia-device-plugin-0.18.2.json"),
    ),
    (
        "manifests-d68ebc7fab366ab40ddd1541d2ec22febb31bc83.json",
        include_str!("../inventory/manifests-d68ebc7fab366ab40ddd1541d2ec22febb31bc83.json"),
    ),
    (
        "manifests-d8d643f1a736b28c525bd9b8ee5c9b2f4a661b39.json",
        include_str!("../inventory/manifests-d8d643f1a736b28c525bd9b8ee5c9b2f4a661b39.json"),
    ),
];

/// Annotations the check reads (the inventories keep only these).
const ANNOTATIONS: &[&str] = &[
    "argocd.argoproj.io/sync-wave",
    "argocd.argoproj.io/hook",
    "argocd.argoproj.io/sync-options",
    "helm.sh/hook",
    "helm.sh/hook-weight",
    "service.beta.kubernetes.io/aws-load-balancer-type",
    "eks.amazonaws.com/role-arn",
    "cert-manager.io/inject-ca-from",
];

/// Namespaces every EKS cluster has, and Argo CD's own (the bootstrap installs Argo CD).
const PRESENT_NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "argocd",
];

/// Kinds of the built-in API groups that are cluster-scoped.
const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CSIDriver",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "DeviceClass",
    "FlowSchema",
    "IngressClass",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

/// API groups served by every Kubernetes API server.
const BUILTIN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
];

/// The CRD that marks the AWS Load Balancer Controller's application.
const LOAD_BALANCER_CRD: (&str, &str) = ("elbv2.k8s.aws", "TargetGroupBinding");

/// Why an inventory cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("inventory {file}: {message}")]
pub struct InventoryError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// What a chart version builds.
#[derive(Debug, Clone, Default)]
struct ChartInventory {
    objects: Vec<Value>,
    bindings: Vec<Value>,
    /// The chart's default of each value a `when`/`unless` condition reads.
    defaults: Value,
}

/// What each pinned upstream source builds.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// kubeflow/manifests commit → path → object facts (and the remote bases left unresolved).
    manifests: BTreeMap<String, BTreeMap<String, Vec<Value>>>,
    unresolved: BTreeMap<String, Vec<String>>,
    /// (chart, version) → facts.
    charts: BTreeMap<(String, String), ChartInventory>,
}

impl Inventory {
    /// The inventories committed with sakk.
    pub fn builtin() -> Result<Self, InventoryError> {
        Self::from_files(INVENTORY_FILES.iter().copied())
    }

    /// Inventories from `(file name, JSON text)` pairs.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, InventoryError> {
        let mut inventory = Self::default();
        for (file, text) in files {
            let fail = |message: String| InventoryError {
                file: file.to_owned(),
                message,
            };
            let data: Value =
                serde_json::from_str(text).map_err(|error| fail(error.to_string()))?;
            if let Some(commit) = data["commit"]
                .as_str()
                .filter(|_| data["paths"].is_object())
            {
                let mut paths = BTreeMap::new();
                for (path, entry) in data["paths"].as_object().into_iter().flatten() {
                    let objects = entry["objects"].as_array().cloned().unwrap_or_default();
                    paths.insert(path.clone(), objects);
                }
                let unresolved = strings(&data["remote_unresolved"]);
                inventory.unresolved.insert(commit.to_owned(), unresolved);
                inventory.manifests.insert(commit.to_owned(), paths);
            } else if let (Some(chart), Some(version)) =
                (data["chart"].as_str(), data["version"].as_str())
            {
                inventory.charts.insert(
                    (chart.to_owned(), version.to_owned()),
                    ChartInventory {
                        objects: data["objects"].as_array().cloned().unwrap_or_default(),
                        bindings: data["bindings"].as_array().cloned().unwrap_or_default(),
                        defaults: data["defaults"].clone(),
                    },
                );
            } else {
                return Err(fail("neither a manifests nor a chart inventory".to_owned()));
            }
        }
        Ok(inventory)
    }

    /// Whether a kubeflow/manifests commit has an inventory.
    pub fn has_manifests(&self, commit: &str) -> bool {
        self.manifests.contains_key(commit)
    }

    /// Whether a chart version has an inventory.
    pub fn has_chart(&self, chart: &str, version: &str) -> bool {
        self.charts
            .contains_key(&(chart.to_owned(), version.to_owned()))
    }

    /// Remote kustomize bases of a commit the generator could not resolve.
    pub fn unresolved(&self, commit: &str) -> &[String] {
        self.unresolved.get(commit).map_or(&[], Vec::as_slice)
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// What AWS provides that the tree refers to.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// IAM role ARNs that exist (the outputs' service-account and profile roles).
    pub role_arns: BTreeSet<String>,
    /// Secrets Manager secrets (names or ARNs) that exist.
    pub secrets: BTreeSet<String>,
    /// The name prefix of the secrets the External Secrets role may read.
    pub readable_secret_prefix: String,
}

impl Environment {
    /// The environment of a cluster: the roles of its outputs, the secrets sakk writes and the
    /// secrets the cluster file names (the user's), readable when under `sakk/<cluster>/`.
    pub fn of(model: &Model, outputs: &Outputs) -> Self {
        let mut secrets: BTreeSet<String> = model.names.secrets.values().cloned().collect();
        match &model.identity {
            sakk_model::model::Identity::Oidc {
                client_secret_arn, ..
            } => {
                secrets.insert(client_secret_arn.clone());
            }
            sakk_model::model::Identity::Cognito { .. } => {}
        }
        if let sakk_model::model::Database::External {
            password_secret_arn,
            ..
        } = &model.database
        {
            secrets.insert(password_secret_arn.clone());
        }
        Self {
            role_arns: outputs
                .service_account_role_arns
                .values()
                .chain(outputs.profile_role_arns.values())
                .cloned()
                .collect(),
            secrets,
            readable_secret_prefix: format!("sakk/{}/", model.name),
        }
    }

    fn readable(&self, key: &str) -> bool {
        let name = match key.split_once(":secret:") {
            Some((_, name)) => name,
            None => key,
        };
        name.starts_with(&self.readable_secret_prefix)
    }
}

/// The reasons a wave can never become Healthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// A namespaced object before its namespace exists.
    Namespace,
    /// A custom resource before its CRD is served.
    CustomResource,
    /// A load-balanced Service or an Ingress before its controller.
    LoadBalancer,
    /// An object applied while the webhook that validates it may not be serving.
    Webhook,
    /// A Certificate before its issuer.
    Issuer,
    /// An object claimed by two applications.
    SharedObject,
    /// An ExternalSecret whose store or key is not provided.
    ExternalSecret,
    /// A service-account role that is not in the outputs.
    Role,
}

impl Rule {
    /// The rule's name in output.
    pub fn name(self) -> &'static str {
        match self {
            Self::Namespace => "namespace",
            Self::CustomResource => "custom-resource",
            Self::LoadBalancer => "load-balancer",
            Self::Webhook => "webhook",
            Self::Issuer => "issuer",
            Self::SharedObject => "shared-object",
            Self::ExternalSecret => "external-secret",
            Self::Role => "role",
        }
    }
}

/// One reason the tree cannot converge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// The sync wave of the application.
    pub wave: i32,
    /// The application.
    pub application: String,
    /// `kind/namespace/name` (or `kind/name` when cluster-scoped).
    pub object: String,
    /// The rule.
    pub rule: Rule,
    /// What happens and why.
    pub message: String,
}

impl Finding {
    /// The finding as JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "wave": self.wave,
            "application": self.application,
            "object": self.object,
            "rule": self.rule.name(),
            "message": self.message,
        })
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wave {} application {}: {}: {} [{}]",
            self.wave,
            self.application,
            self.object,
            self.message,
            self.rule.name()
        )
    }
}

/// The result of a check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Reasons the tree cannot converge, sorted.
    pub findings: Vec<Finding>,
    /// Sources the check could not see into (no inventory), and remote bases the inventory
    /// could not resolve: what a real sync must still be watched for.
    pub unchecked: Vec<String>,
}

impl Report {
    /// The report as JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "converges": self.findings.is_empty(),
            "findings": self.findings.iter().map(Finding::to_json).collect::<Vec<_>>(),
            "unchecked": self.unchecked,
        })
    }
}

/// Why a tree cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// A file of the tree is not in the form sakk writes.
    #[error("{path}: {error}")]
    Yaml {
        /// The file.
        path: String,
        /// What is wrong.
        error: yaml::ParseError,
    },
}

/// Checks the tree of `model` with `outputs` against the committed inventories: what
/// `sakk render` runs before it writes a tree.
pub fn check_model(model: &Model, outputs: &Outputs) -> Result<Report, CheckModelError> {
    let inventory = Inventory::builtin()?;
    let (documents, _) = crate::render_documents(model, outputs)?;
    Ok(check(
        &documents,
        &inventory,
        &Environment::of(model, outputs),
    ))
}

/// Why [`check_model`] cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckModelError {
    /// A committed inventory does not parse (a bug of the generator).
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    /// The tree cannot be rendered.
    #[error(transparent)]
    Render(#[from] crate::RenderError),
}

/// Checks a written tree (its YAML files).
pub fn check_tree(
    tree: &Tree,
    inventory: &Inventory,
    environment: &Environment,
) -> Result<Report, CheckError> {
    let mut documents = BTreeMap::new();
    for (path, bytes) in &tree.files {
        if !path.ends_with(".yaml") {
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        let value = yaml::parse(&text).map_err(|error| CheckError::Yaml {
            path: path.clone(),
            error,
        })?;
        documents.insert(path.clone(), value);
    }
    Ok(check(&documents, inventory, environment))
}

/// One object an application syncs.
#[derive(Debug, Clone)]
struct Object {
    fact: Value,
    group: String,
    kind: String,
    namespace: Option<String>,
    name: String,
    /// (phase, wave) inside the application: PreSync 0, Sync 1, PostSync 2.
    order: (u8, i32),
}

impl Object {
    fn label(&self) -> String {
        match &self.namespace {
            Some(namespace) => format!("{}/{}/{}", self.kind, namespace, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }

    fn annotation(&self, key: &str) -> Option<&str> {
        self.fact["annotations"][key].as_str()
    }
}

#[derive(Debug, Clone)]
struct Application {
    name: String,
    wave: i32,
    namespace: String,
    create_namespace: bool,
    objects: Vec<Object>,
}

fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// Checks the tree's documents (relative path → value, as `render_documents` returns them
/// or as read back from the files).
pub fn check(
    documents: &BTreeMap<String, Value>,
    inventory: &Inventory,
    environment: &Environment,
) -> Report {
    let mut unchecked = BTreeSet::new();
    let mut raw: Vec<(String, i32, String, bool, Vec<Value>)> = Vec::new();
    for (path, document) in documents {
        if path.contains('/') || document["kind"] != "Application" || path == "root.yaml" {
            continue;
        }
        let name = document["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let wave = document["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
            .as_str()
            .and_then(|wave| wave.parse().ok())
            .unwrap_or(0);
        let spec = &document["spec"];
        let namespace = spec["destination"]["namespace"]
            .as_str()
            .unwrap_or("default")
            .to_owned();
        let create_namespace = spec["syncPolicy"]["syncOptions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|option| option == "CreateNamespace=true");
        let mut sources: Vec<&Value> = spec["sources"].as_array().into_iter().flatten().collect();
        if spec["source"].is_object() {
            sources.push(&spec["source"]);
        }
        let mut facts = Vec::new();
        for source in sources {
            facts.extend(source_facts(
                source,
                documents,
                inventory,
                &name,
                &mut unchecked,
            ));
        }
        raw.push((name, wave, namespace, create_namespace, facts));
    }
    // Scopes of custom kinds, from every CRD the tree installs.
    let mut crd_scope: BTreeMap<(String, String), String> = BTreeMap::new();
    for (_, _, _, _, facts) in &raw {
        for fact in facts {
            if fact["kind"] == "CustomResourceDefinition" {
                let crd = &fact["crd"];
                crd_scope.insert(
                    (
                        crd["group"].as_str().unwrap_or_default().to_owned(),
                        crd["kind"].as_str().unwrap_or_default().to_owned(),
                    ),
                    crd["scope"].as_str().unwrap_or("Namespaced").to_owned(),
                );
            }
        }
    }
    let mut apps: Vec<Application> = raw
        .into_iter()
        .map(|(name, wave, namespace, create_namespace, facts)| {
            let objects = facts
                .into_iter()
                .filter_map(|fact| object(fact, &namespace, &crd_scope))
                .collect();
            Application {
                name,
                wave,
                namespace,
                create_namespace,
                objects,
            }
        })
        .collect();
    apps.sort_by(|left, right| (left.wave, &left.name).cmp(&(right.wave, &right.name)));
    let mut findings = Vec::new();
    Checker {
        apps: &apps,
        environment,
        findings: &mut findings,
    }
    .run();
    findings.sort();
    findings.dedup();
    Report {
        findings,
        unchecked: unchecked.into_iter().collect(),
    }
}

/// The facts of the objects one source of an application builds.
fn source_facts(
    source: &Value,
    documents: &BTreeMap<String, Value>,
    inventory: &Inventory,
    app: &str,
    unchecked: &mut BTreeSet<String>,
) -> Vec<Value> {
    let revision = source["targetRevision"].as_str().unwrap_or_default();
    if let Some(chart) = source["chart"].as_str() {
        let Some(found) = inventory
            .charts
            .get(&(chart.to_owned(), revision.to_owned()))
        else {
            unchecked.insert(format!(
                "application {app}: chart {chart} {revision} has no inventory"
            ));
            return Vec::new();
        };
        return chart_facts(found, &source["helm"]["valuesObject"]);
    }
    let Some(path) = source["path"].as_str() else {
        return Vec::new();
    };
    if source["repoURL"] == sakk_model::catalog::MANIFESTS_REPOSITORY {
        let Some(objects) = inventory
            .manifests
            .get(revision)
            .and_then(|paths| paths.get(path))
        else {
            unchecked.insert(format!(
                "application {app}: kubeflow/manifests {path} at {revision} has no inventory"
            ));
            return Vec::new();
        };
        for remote in inventory.unresolved(revision) {
            unchecked.insert(format!(
                "kubeflow/manifests {revision}: remote base {remote} (unresolved)"
            ));
        }
        let patches = source["kustomize"]["patches"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        return patched(objects.clone(), &patches);
    }
    // The tree's own objects: `manifests/<application>/` under the GitOps path.
    let directory = match path.find("manifests/") {
        Some(index) => &path[index..],
        None => path,
    };
    documents
        .iter()
        .filter(|(file, _)| {
            file.strip_prefix(directory)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|rest| !rest.contains('/'))
        })
        .map(|(_, document)| facts(document))
        .collect()
}

/// The value at a dotted path of Helm values.
fn value_at<'a>(values: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(values, |value, part| value.get(part))
}

fn chart_facts(chart: &ChartInventory, values: &Value) -> Vec<Value> {
    let holds = |conditions: &Value| {
        conditions.as_object().is_some_and(|map| {
            map.iter().all(|(path, expected)| {
                value_at(values, path).unwrap_or(&chart.defaults[path.as_str()]) == expected
            })
        })
    };
    let mut objects: Vec<Value> = chart
        .objects
        .iter()
        .filter(|fact| fact.get("when").is_none_or(holds))
        .filter(|fact| !fact.get("unless").is_some_and(holds))
        .cloned()
        .collect();
    for binding in &chart.bindings {
        let Some(value) = binding["values"]
            .as_str()
            .and_then(|path| value_at(values, path))
        else {
            continue;
        };
        for fact in objects
            .iter_mut()
            .filter(|fact| fact["kind"] == binding["kind"] && fact["name"] == binding["name"])
        {
            match binding["field"].as_str() {
                Some("annotations") => {
                    for (key, value) in value.as_object().into_iter().flatten() {
                        if ANNOTATIONS.contains(&key.as_str()) {
                            fact["annotations"][key] = json!(text_of(value));
                        }
                    }
                }
                Some(field) => fact[field] = value.clone(),
                None => {}
            }
        }
    }
    objects
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Whether a kustomize patch target selects an object.
fn selects(target: &Value, fact: &Value) -> bool {
    let matches = |key: &str, actual: &str| target[key].as_str().is_none_or(|want| want == actual);
    matches("kind", fact["kind"].as_str().unwrap_or_default())
        && matches("name", fact["name"].as_str().unwrap_or_default())
        && matches("namespace", fact["namespace"].as_str().unwrap_or_default())
        && matches(
            "group",
            group_of(fact["apiVersion"].as_str().unwrap_or_default()),
        )
}

/// The effect of an Application's kustomize patches on the facts: deletions, and what
/// strategic-merge patches set on annotations and a Service's type. JSON 6902 patches (lists
/// of operations) change nothing the check reads.
fn patched(mut objects: Vec<Value>, patches: &[Value]) -> Vec<Value> {
    for entry in patches {
        let Some(patch) = entry["patch"]
            .as_str()
            .and_then(|text| yaml::parse(text).ok())
        else {
            continue;
        };
        if !patch.is_object() {
            continue;
        }
        let target = &entry["target"];
        if patch["$patch"] == "delete" {
            objects.retain(|fact| !selects(target, fact));
            continue;
        }
        for fact in objects.iter_mut().filter(|fact| selects(target, fact)) {
            for (key, value) in patch["metadata"]["annotations"]
                .as_object()
                .into_iter()
                .flatten()
            {
                if ANNOTATIONS.contains(&key.as_str()) {
                    fact["annotations"][key] = json!(text_of(value));
                }
            }
            if fact["kind"] == "Service" {
                for field in ["type", "loadBalancerClass"] {
                    if let Some(value) = patch["spec"].get(field) {
                        fact[field] = value.clone();
                    }
                }
            }
        }
    }
    objects
}

/// The facts of one object (what the inventory generator records).
pub fn facts(document: &Value) -> Value {
    let meta = &document["metadata"];
    let mut fact = json!({
        "apiVersion": document["apiVersion"],
        "kind": document["kind"],
        "name": meta["name"],
    });
    if let Some(namespace) = meta["namespace"].as_str() {
        fact["namespace"] = json!(namespace);
    }
    let annotations: Map<String, Value> = meta["annotations"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| ANNOTATIONS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), json!(text_of(value))))
        .collect();
    if !annotations.is_empty() {
        fact["annotations"] = Value::Object(annotations);
    }
    let spec = &document["spec"];
    match document["kind"].as_str().unwrap_or_default() {
        "CustomResourceDefinition" => {
            fact["crd"] = json!({
                "group": spec["group"],
                "kind": spec["names"]["kind"],
                "plural": spec["names"]["plural"],
                "scope": spec["scope"].as_str().unwrap_or("Namespaced"),
            });
        }
        "Service" => {
            fact["type"] = json!(spec["type"].as_str().unwrap_or("ClusterIP"));
            if let Some(class) = spec["loadBalancerClass"].as_str() {
                fact["loadBalancerClass"] = json!(class);
            }
        }
        "Ingress" => fact["ingressClassName"] = json!(spec["ingressClassName"]),
        "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration" => {
            let hooks: Vec<Value> = document["webhooks"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|hook| {
                    json!({
                        "name": hook["name"],
                        "failurePolicy": hook["failurePolicy"].as_str().unwrap_or("Fail"),
                        "rules": hook["rules"],
                    })
                })
                .collect();
            fact["webhooks"] = json!(hooks);
        }
        "Certificate" => {
            fact["issuer"] = json!({
                "kind": spec["issuerRef"]["kind"].as_str().unwrap_or("Issuer"),
                "name": spec["issuerRef"]["name"],
            });
        }
        "ExternalSecret" => {
            let mut keys = BTreeSet::new();
            for data in spec["data"].as_array().into_iter().flatten() {
                keys.extend(data["remoteRef"]["key"].as_str().map(str::to_owned));
            }
            for data in spec["dataFrom"].as_array().into_iter().flatten() {
                keys.extend(data["extract"]["key"].as_str().map(str::to_owned));
            }
            fact["store"] = json!({
                "kind": spec["secretStoreRef"]["kind"].as_str().unwrap_or("SecretStore"),
                "name": spec["secretStoreRef"]["name"],
            });
            fact["keys"] = json!(keys);
        }
        _ => {}
    }
    fact
}

/// Places a fact in its application: its namespace (the destination when unset or the chart's
/// release namespace) and its order; `None` for what Argo CD never applies.
fn object(
    fact: Value,
    destination: &str,
    crd_scope: &BTreeMap<(String, String), String>,
) -> Option<Object> {
    let kind = fact["kind"].as_str().unwrap_or_default().to_owned();
    let group = group_of(fact["apiVersion"].as_str().unwrap_or_default()).to_owned();
    let annotations = &fact["annotations"];
    let phase = match (
        annotations["argocd.argoproj.io/hook"].as_str(),
        annotations["helm.sh/hook"].as_str(),
    ) {
        (Some(hook), _) if hook.contains("Skip") || hook.contains("SyncFail") => return None,
        (Some(hook), _) if hook.contains("PreSync") => 0,
        (Some(hook), _) if hook.contains("PostSync") => 2,
        (Some(_), _) => 1,
        (None, Some(hook)) if hook.contains("test") => return None,
        (None, Some(hook)) if hook.contains("pre-") => 0,
        (None, Some(hook)) if hook.contains("post-") => 2,
        _ => 1,
    };
    let wave = annotations["argocd.argoproj.io/sync-wave"]
        .as_str()
        .or_else(|| annotations["helm.sh/hook-weight"].as_str())
        .and_then(|wave| wave.trim().parse().ok())
        .unwrap_or(0);
    let cluster_scoped = if BUILTIN_GROUPS.contains(&group.as_str()) {
        CLUSTER_SCOPED.contains(&kind.as_str())
    } else {
        crd_scope
            .get(&(group.clone(), kind.clone()))
            .is_some_and(|scope| scope == "Cluster")
    };
    let namespace = if cluster_scoped {
        None
    } else {
        match fact["namespace"].as_str() {
            None | Some("{release}") | Some("") => Some(destination.to_owned()),
            Some(namespace) => Some(namespace.to_owned()),
        }
    };
    Some(Object {
        name: fact["name"].as_str().unwrap_or_default().to_owned(),
        fact,
        group,
        kind,
        namespace,
        order: (phase, wave),
    })
}

/// The plural resource name of a built-in kind, as webhook rules name it.
fn builtin_plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower.ends_with("ss") || lower.ends_with("ch") || lower.ends_with('x') {
        format!("{lower}es")
    } else if lower.ends_with('y') {
        format!("{}ies", &lower[..lower.len() - 1])
    } else if lower.ends_with('s') {
        lower
    } else {
        format!("{lower}s")
    }
}

struct Checker<'a> {
    apps: &'a [Application],
    environment: &'a Environment,
    findings: &'a mut Vec<Finding>,
}

/// Where something the check looks for is, relative to the object that needs it.
enum Provided<'a> {
    /// In an application of an earlier wave, or earlier (or in the same step) in the same
    /// application: there before the object is applied.
    Before,
    /// Only in the given application, not before the object.
    Later(&'a Application),
    /// Nowhere in the tree.
    Nowhere,
}

impl<'a> Checker<'a> {
    fn report(&mut self, app: &Application, object: &Object, rule: Rule, message: String) {
        self.findings.push(Finding {
            wave: app.wave,
            application: app.name.clone(),
            object: object.label(),
            rule,
            message,
        });
    }

    /// Where the first object matching `wanted` is, for `object` of `app`. Objects of the
    /// same application count when they come no later (`strict`: strictly earlier).
    fn provided(
        &self,
        app: &Application,
        object: &Object,
        strict: bool,
        wanted: impl Fn(&Application, &Object) -> bool,
    ) -> Provided<'a> {
        let mut later = None;
        for other in self.apps {
            for candidate in &other.objects {
                if !wanted(other, candidate) {
                    continue;
                }
                let before = if other.name == app.name {
                    if strict {
                        candidate.order < object.order
                    } else {
                        candidate.order <= object.order
                    }
                } else {
                    other.wave < app.wave
                };
                if before {
                    return Provided::Before;
                }
                later.get_or_insert(other);
            }
        }
        later.map_or(Provided::Nowhere, Provided::Later)
    }

    fn run(&mut self) {
        let apps = self.apps;
        let mut owners: BTreeMap<(String, String, Option<String>, String), &Application> =
            BTreeMap::new();
        for app in apps {
            for object in &app.objects {
                let key = (
                    object.group.clone(),
                    object.kind.clone(),
                    object.namespace.clone(),
                    object.name.clone(),
                );
                match owners.get(&key) {
                    Some(owner) if owner.name != app.name => {
                        let message = format!(
                            "also synced by application {} (wave {}): the two fight over it and \
                             one of them is always OutOfSync",
                            owner.name, owner.wave
                        );
                        self.report(app, object, Rule::SharedObject, message);
                    }
                    _ => {
                        owners.insert(key, app);
                    }
                }
                self.namespace(app, object);
                self.custom_resource(app, object);
                self.load_balancer(app, object);
                self.webhook(app, object);
                self.issuer(app, object);
                self.external_secret(app, object);
                self.role(app, object);
            }
        }
    }

    fn namespace(&mut self, app: &Application, object: &Object) {
        let Some(namespace) = object.namespace.as_deref() else {
            return;
        };
        if PRESENT_NAMESPACES.contains(&namespace)
            || (app.create_namespace && app.namespace == namespace)
        {
            return;
        }
        let earlier_destination = self.apps.iter().any(|other| {
            other.wave < app.wave && other.create_namespace && other.namespace == namespace
        });
        if earlier_destination {
            return;
        }
        let made = self.provided(app, object, false, |_, candidate| {
            candidate.kind == "Namespace"
                && candidate.group.is_empty()
                && candidate.name == namespace
        });
        if matches!(made, Provided::Before) {
            return;
        }
        // The profile controller makes a Profile's namespace, after the Profile is applied.
        let profile = self.provided(app, object, true, |_, candidate| {
            candidate.kind == "Profile"
                && candidate.group == "kubeflow.org"
                && candidate.name == namespace
        });
        if matches!(profile, Provided::Before) {
            return;
        }
        let message = match made {
            Provided::Later(other) if other.name == app.name => format!(
                "namespace {namespace} is created later in this application (Namespace in a later \
                 sync wave or phase): the apply fails with \"namespace {namespace} not found\""
            ),
            Provided::Later(other) => format!(
                "namespace {namespace} does not exist yet: application {} creates it in wave {}, \
                 and CreateNamespace=true creates only this application's destination namespace \
                 ({}); every retry fails with \"namespace {namespace} not found\"",
                other.name, other.wave, app.namespace
            ),
            _ => format!(
                "no application creates namespace {namespace} (CreateNamespace=true creates only \
                 the destination namespace {})",
                app.namespace
            ),
        };
        self.report(app, object, Rule::Namespace, message);
    }

    fn custom_resource(&mut self, app: &Application, object: &Object) {
        if BUILTIN_GROUPS.contains(&object.group.as_str())
            || (object.group == "argoproj.io" && object.kind == "Application")
        {
            return;
        }
        let (group, kind) = (object.group.as_str(), object.kind.as_str());
        let crd = self.provided(app, object, false, |_, candidate| {
            candidate.kind == "CustomResourceDefinition"
                && candidate.fact["crd"]["group"] == group
                && candidate.fact["crd"]["kind"] == kind
        });
        let message = match crd {
            Provided::Before => return,
            Provided::Later(other) if other.name == app.name => format!(
                "its CRD ({kind}.{group}) comes in a later sync wave or phase of this \
                 application: the apply fails until it exists"
            ),
            Provided::Later(other) => {
                let skip = object
                    .annotation("argocd.argoproj.io/sync-options")
                    .is_some_and(|options| options.contains("SkipDryRunOnMissingResource=true"));
                format!(
                    "its CRD ({kind}.{group}) comes from application {} (wave {}), which is not \
                     Healthy before wave {}: {}",
                    other.name,
                    other.wave,
                    app.wave,
                    if skip {
                        "the apply fails on every retry"
                    } else {
                        "Argo CD refuses the sync (\"the server could not find the requested resource\")"
                    }
                )
            }
            Provided::Nowhere => format!(
                "no application of the tree installs its CRD ({kind}.{group}): Argo CD refuses \
                 the sync"
            ),
        };
        self.report(app, object, Rule::CustomResource, message);
    }

    fn load_balancer_app(&self) -> Option<&'a Application> {
        self.apps.iter().find(|app| {
            app.objects.iter().any(|object| {
                object.kind == "CustomResourceDefinition"
                    && object.fact["crd"]["group"] == LOAD_BALANCER_CRD.0
                    && object.fact["crd"]["kind"] == LOAD_BALANCER_CRD.1
            })
        })
    }

    fn load_balancer(&mut self, app: &Application, object: &Object) {
        if object.group.is_empty()
            && object.kind == "Service"
            && object.fact["type"] == "LoadBalancer"
        {
            let annotation = object.annotation("service.beta.kubernetes.io/aws-load-balancer-type");
            let class = object.fact["loadBalancerClass"].as_str();
            let needs_controller = matches!(annotation, Some("external" | "nlb-ip"))
                || class == Some("service.k8s.aws/nlb");
            if !needs_controller {
                return;
            }
            let message = match self.load_balancer_app() {
                Some(controller) if controller.wave < app.wave => return,
                Some(controller) => format!(
                    "a LoadBalancer Service for the AWS Load Balancer Controller, which application \
                     {} installs only in wave {}: the in-tree cloud provider ignores it, it never \
                     gets an address, and Argo CD keeps it (and wave {}) Progressing",
                    controller.name, controller.wave, app.wave
                ),
                None => "a LoadBalancer Service for the AWS Load Balancer Controller, which no \
                         application installs: it never gets an address"
                    .to_owned(),
            };
            self.report(app, object, Rule::LoadBalancer, message);
        }
        if object.group == "networking.k8s.io" && object.kind == "Ingress" {
            let class = object.fact["ingressClassName"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let found = self.provided(app, object, false, |_, candidate| {
                candidate.kind == "IngressClass" && candidate.name == class
            });
            let message = match found {
                Provided::Before => return,
                Provided::Later(other) if other.name == app.name => return,
                Provided::Later(other) => format!(
                    "its ingress class {class} comes from application {} (wave {}): no controller \
                     gives it an address before, and Argo CD keeps it Progressing",
                    other.name, other.wave
                ),
                Provided::Nowhere => format!(
                    "no application installs ingress class `{class}`: it never gets an address"
                ),
            };
            self.report(app, object, Rule::LoadBalancer, message);
        }
    }

    fn plural(&self, object: &Object) -> String {
        for app in self.apps {
            for candidate in &app.objects {
                if candidate.kind == "CustomResourceDefinition"
                    && candidate.fact["crd"]["group"] == object.group.as_str()
                    && candidate.fact["crd"]["kind"] == object.kind.as_str()
                {
                    return candidate.fact["crd"]["plural"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                }
            }
        }
        builtin_plural(&object.kind)
    }

    fn webhook(&mut self, app: &Application, object: &Object) {
        let plural = self.plural(object);
        let mut hits = Vec::new();
        for other in self.apps {
            if other.name == app.name || other.wave != app.wave {
                continue;
            }
            for config in &other.objects {
                if config.kind != "ValidatingWebhookConfiguration"
                    && config.kind != "MutatingWebhookConfiguration"
                {
                    continue;
                }
                for hook in config.fact["webhooks"].as_array().into_iter().flatten() {
                    if hook["failurePolicy"] == "Ignore" {
                        continue;
                    }
                    let applies = hook["rules"].as_array().into_iter().flatten().any(|rule| {
                        let listed = |key: &str, want: &str| {
                            rule[key]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .any(|item| item == "*" || item == want)
                        };
                        listed("apiGroups", &object.group) && listed("resources", &plural)
                    });
                    if applies {
                        hits.push(format!(
                            "webhook {} ({} {}) of application {} (wave {}) validates it, and \
                             the two sync in parallel: while its service is not ready the API \
                             server rejects the object (failurePolicy Fail)",
                            hook["name"].as_str().unwrap_or_default(),
                            config.kind,
                            config.name,
                            other.name,
                            other.wave
                        ));
                    }
                }
            }
        }
        for message in hits {
            self.report(app, object, Rule::Webhook, message);
        }
    }

    fn issuer(&mut self, app: &Application, object: &Object) {
        if object.group != "cert-manager.io" || object.kind != "Certificate" {
            return;
        }
        let kind = object.fact["issuer"]["kind"]
            .as_str()
            .unwrap_or("Issuer")
            .to_owned();
        let name = object.fact["issuer"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let namespace = object.namespace.clone();
        let found = self.provided(app, object, false, |_, candidate| {
            candidate.group == "cert-manager.io"
                && candidate.kind == kind
                && candidate.name == name
                && (kind == "ClusterIssuer" || candidate.namespace == namespace)
        });
        let message = match found {
            Provided::Before => return,
            Provided::Later(other) if other.name == app.name => return,
            Provided::Later(other) => format!(
                "its issuer {kind} {name} comes from application {} (wave {}): the Certificate \
                 stays not Ready and Argo CD keeps wave {} Progressing",
                other.name, other.wave, app.wave
            ),
            Provided::Nowhere => {
                format!("no application provides its issuer {kind} {name}: it is never Ready")
            }
        };
        self.report(app, object, Rule::Issuer, message);
    }

    fn external_secret(&mut self, app: &Application, object: &Object) {
        if object.group != "external-secrets.io" || object.kind != "ExternalSecret" {
            return;
        }
        let kind = object.fact["store"]["kind"]
            .as_str()
            .unwrap_or("SecretStore")
            .to_owned();
        let name = object.fact["store"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let namespace = object.namespace.clone();
        let found = self.provided(app, object, false, |_, candidate| {
            candidate.group == "external-secrets.io"
                && candidate.kind == kind
                && candidate.name == name
                && (kind == "ClusterSecretStore" || candidate.namespace == namespace)
        });
        match found {
            Provided::Before => {}
            Provided::Later(other) if other.name == app.name => {}
            Provided::Later(other) => {
                let message = format!(
                    "its store {kind} {name} comes from application {} (wave {}): the secret is \
                     never written before wave {} must be Healthy",
                    other.name, other.wave, app.wave
                );
                self.report(app, object, Rule::ExternalSecret, message);
            }
            Provided::Nowhere => {
                let message = format!("no application provides its store {kind} {name}");
                self.report(app, object, Rule::ExternalSecret, message);
            }
        }
        for key in strings(&object.fact["keys"]) {
            let message = if !self.environment.secrets.contains(&key) {
                format!(
                    "Secrets Manager secret {key} is not provided by sakk nor named in the cluster file"
                )
            } else if !self.environment.readable(&key) {
                format!(
                    "the External Secrets role may read only {}*, not {key}: the ExternalSecret \
                     stays SecretSyncedError",
                    self.environment.readable_secret_prefix
                )
            } else {
                continue;
            };
            self.report(app, object, Rule::ExternalSecret, message);
        }
    }

    fn role(&mut self, app: &Application, object: &Object) {
        if !object.group.is_empty() || object.kind != "ServiceAccount" {
            return;
        }
        let Some(role) = object.annotation("eks.amazonaws.com/role-arn") else {
            return;
        };
        if !self.environment.role_arns.contains(role) {
            let message = format!(
                "its IAM role {role} is not in the AWS outputs: its pods get no credentials"
            );
            self.report(app, object, Rule::Role, message);
        }
    }
}
