//! The GitOps tree of a cluster: the Argo CD app-of-apps that installs the EKS add-ons, Kubeflow
//! and the teams' profiles, rendered from the [`Model`] and the AWS [`Outputs`] as plain YAML.
//!
//! [`render`] is pure and deterministic: the same model and outputs give the same bytes (no
//! clock, no randomness, keys in a fixed order, files sorted by path). The tree holds no secret:
//! secrets stay in AWS Secrets Manager and reach the cluster through External Secrets.
//!
//! Layout, waves, secrets and placeholders are described in `docs/gitops.md`.

mod application;
mod components;
pub mod converge;
mod kubeflow;
mod placeholder;
mod platform;
mod teams;
pub mod yaml;

pub use placeholder::{PLACEHOLDER_ACCOUNT, outputs_in_account, placeholder_outputs};

use sakk_core::Outputs;
use sakk_model::Model;
use sakk_model::catalog::{self, Release};
use serde_json::Value;
use std::collections::BTreeMap;

/// A rendered tree: relative path (under the model's GitOps path) → file bytes, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    /// The files.
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Tree {
    fn insert(&mut self, path: String, text: String) {
        self.files.insert(path, text.into_bytes());
    }

    /// Total size in bytes.
    pub fn size(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }
}

/// Why a tree cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The outputs lack a value the model needs.
    #[error("the AWS outputs have no {what}")]
    MissingOutput {
        /// What is missing.
        what: String,
    },
    /// The model names a release sakk does not know (the model was not validated).
    #[error("unknown Kubeflow release `{0}`")]
    UnknownRelease(String),
}

/// One Argo CD Application of the tree, with the objects sakk renders for it.
#[derive(Debug, Clone)]
pub struct App {
    /// Application name (also the file name and the directory of its objects).
    pub name: String,
    /// The catalog component it installs, if any.
    pub component: Option<String>,
    /// Sync wave.
    pub wave: i32,
    /// Names of the applications it needs.
    pub needs: Vec<String>,
    /// Namespace of its objects.
    pub namespace: String,
    /// The pinned upstream sources.
    pub sources: Vec<Value>,
    /// Objects rendered into `manifests/<name>/`.
    pub objects: Vec<Value>,
    /// The kustomize patches its sources apply to upstream (also in `sources`, as YAML text).
    pub patches: Vec<Patch>,
    /// Extra `ignoreDifferences` entries.
    pub ignore_differences: Vec<Value>,
}

/// A kustomize patch of an upstream path, as Argo CD applies it.
#[derive(Debug, Clone)]
pub struct Patch {
    /// The kubeflow/manifests path it patches.
    pub path: String,
    /// Its target selector (`kind`, `name`, ...).
    pub target: Value,
    /// The patch: a strategic-merge object, or a JSON 6902 list of operations.
    pub patch: Value,
}

/// Everything the renderers share.
pub(crate) struct Context<'a> {
    pub model: &'a Model,
    pub outputs: &'a Outputs,
    pub release: &'static Release,
}

impl Context<'_> {
    /// The version of an enabled component.
    pub fn version(&self, component: &str) -> Option<&str> {
        self.model
            .kubeflow
            .enabled(component)
            .map(|component| component.version.as_str())
    }

    /// Whether a component is enabled.
    pub fn enabled(&self, component: &str) -> bool {
        self.model.kubeflow.enabled(component).is_some()
    }

    /// The role ARN of a service-account role.
    pub fn role_arn(&self, component: &str) -> Result<&str, RenderError> {
        self.outputs
            .service_account_role_arns
            .get(component)
            .map(String::as_str)
            .ok_or_else(|| RenderError::MissingOutput {
                what: format!("role ARN for `{component}` (service_account_role_arns)"),
            })
    }

    /// The path of an application's objects in the repository.
    pub fn manifests_path(&self, app: &str) -> String {
        let base = self.model.gitops.path.trim_matches('/');
        if base.is_empty() {
            format!("manifests/{app}")
        } else {
            format!("{base}/manifests/{app}")
        }
    }

    /// The common labels of everything sakk renders.
    pub fn labels(&self) -> Value {
        serde_json::json!({
            "app.kubernetes.io/managed-by": "sakk",
            "sakk.dev/cluster": self.model.name,
        })
    }
}

/// Renders the tree of `model` with the AWS `outputs`.
pub fn render(model: &Model, outputs: &Outputs) -> Result<Tree, RenderError> {
    let (documents, readme) = render_documents(model, outputs)?;
    let mut tree = Tree::default();
    for (path, value) in &documents {
        tree.insert(path.clone(), yaml::to_string(value));
    }
    tree.insert("README.md".to_owned(), readme);
    Ok(tree)
}

/// The objects of the tree before they are written as YAML (one object per file), and the
/// README: what tests walk to check the tree's invariants.
pub fn render_documents(
    model: &Model,
    outputs: &Outputs,
) -> Result<(BTreeMap<String, Value>, String), RenderError> {
    let release = catalog::release(&model.kubeflow.release)
        .ok_or_else(|| RenderError::UnknownRelease(model.kubeflow.release.clone()))?;
    let context = Context {
        model,
        outputs,
        release,
    };
    let apps = applications(&context)?;
    let mut documents = BTreeMap::new();
    documents.insert("root.yaml".to_owned(), application::root(&context));
    for app in &apps {
        documents.insert(
            format!("{}.yaml", app.name),
            application::child(&context, app),
        );
        for object in &app.objects {
            documents.insert(
                format!("manifests/{}/{}", app.name, object_file_name(object)),
                object.clone(),
            );
        }
    }
    Ok((documents, readme(&context, &apps)))
}

/// Every application of the tree, in wave order (then by name).
pub fn applications_of(model: &Model, outputs: &Outputs) -> Result<Vec<App>, RenderError> {
    let release = catalog::release(&model.kubeflow.release)
        .ok_or_else(|| RenderError::UnknownRelease(model.kubeflow.release.clone()))?;
    applications(&Context {
        model,
        outputs,
        release,
    })
}

fn applications(context: &Context<'_>) -> Result<Vec<App>, RenderError> {
    let mut apps = Vec::new();
    apps.extend(components::addons(context)?);
    apps.extend(platform::platform(context)?);
    apps.extend(kubeflow::kubeflow(context)?);
    apps.extend(teams::teams(context)?);
    apps.sort_by(|left, right| (left.wave, &left.name).cmp(&(right.wave, &right.name)));
    Ok(apps)
}

/// `<kind>-<name>.yaml`, with the namespace when there is one, lowercase.
fn object_file_name(object: &Value) -> String {
    let kind = object["kind"]
        .as_str()
        .unwrap_or("object")
        .to_ascii_lowercase();
    let name = object["metadata"]["name"].as_str().unwrap_or("unnamed");
    match object["metadata"]["namespace"].as_str() {
        Some(namespace) => format!("{kind}-{namespace}-{name}.yaml"),
        None => format!("{kind}-{name}.yaml"),
    }
}

fn readme(context: &Context<'_>, apps: &[App]) -> String {
    let model = context.model;
    let mut text = format!(
        "# GitOps tree of cluster `{}`\n\n\
         Written by `sakk render` / `sakk publish` from the cluster file: do not edit by hand, \
         change the cluster file and publish again. Argo CD syncs this directory through the root \
         application (`root.yaml`); each other top-level file is one application, installed in \
         the order of its sync wave. A wave starts when every application of the earlier waves \
         is Healthy.\n\n\
         Kubeflow release {} (kubeflow/manifests commit `{}`), Kubernetes {}.\n\n\
         | wave | application | installs | version |\n| --- | --- | --- | --- |\n",
        model.name,
        model.kubeflow.release,
        context.release.manifests_commit,
        model.kubernetes_version,
    );
    for app in apps {
        let (description, version) = match app
            .component
            .as_deref()
            .and_then(|name| catalog::component(name).zip(model.kubeflow.enabled(name)))
        {
            Some((info, component)) => (info.description.to_owned(), component.version.clone()),
            None => (platform::description(&app.name).to_owned(), "-".to_owned()),
        };
        text.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            app.wave, app.name, description, version
        ));
    }
    text.push_str(
        "\nNo secret is stored here: `ExternalSecret` objects read them from AWS Secrets Manager.\n",
    );
    text
}
