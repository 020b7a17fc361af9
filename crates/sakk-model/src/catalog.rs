//! The catalog of platform components and Kubeflow releases: which components exist, which are
//! on by default, which need which, and the version each release installs.
//!
//! This is the one version table of sakk. `sakk-gitops` reads it to pin every Argo CD
//! Application; `sakk versions` prints it.

/// What a component is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Part of the EKS platform under Kubeflow (controllers, Argo CD itself).
    Addon,
    /// Part of Kubeflow (from kubeflow/manifests).
    Kubeflow,
}

/// When a component is installed if the cluster file says nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enablement {
    /// Always; it cannot be switched off.
    Required,
    /// Unless switched off.
    On,
    /// Only when switched on.
    Off,
    /// When a GPU node group exists.
    WithGpu,
}

/// One component.
#[derive(Debug, Clone, Copy)]
pub struct ComponentInfo {
    /// Name in the cluster file (`component "<name>" { ... }`).
    pub name: &'static str,
    /// Add-on or Kubeflow.
    pub kind: Kind,
    /// Installed by default?
    pub default: Enablement,
    /// Components that must be installed too.
    pub requires: &'static [&'static str],
    /// One line for `sakk versions` and the docs.
    pub description: &'static str,
    /// Where its manifests come from.
    pub source: Source,
    /// Container images (repository without tag) a version override retags; empty when the
    /// version is a chart version or names no image.
    pub images: &'static [&'static str],
}

impl ComponentInfo {
    /// True when `component "<name>" { version = "..." }` changes something: a chart version,
    /// or the tag of the component's images.
    pub fn version_overridable(&self) -> bool {
        match self.source {
            Source::Chart { .. } => true,
            Source::Manifests => !self.images.is_empty(),
            Source::Rendered => false,
        }
    }
}

/// Where a component's manifests come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A Helm chart. The component's version is the chart version, unless `version` pins the
    /// chart, in which case the component's version is the image tag (the Cluster Autoscaler,
    /// whose image must match the Kubernetes minor).
    Chart {
        /// Helm repository URL.
        repository: &'static str,
        /// Chart name.
        chart: &'static str,
        /// A chart version fixed for every release.
        version: Option<&'static str>,
    },
    /// Kustomize paths of `kubeflow/manifests` at the release's commit (see
    /// [`Release::manifests_paths`]); the component's version is its images' tag.
    Manifests,
    /// Objects sakk renders itself.
    Rendered,
}

/// The repository every Kubeflow component comes from.
pub const MANIFESTS_REPOSITORY: &str = "https://github.com/kubeflow/manifests.git";

/// Every component, in install order.
pub const COMPONENTS: &[ComponentInfo] = &[
    ComponentInfo {
        name: "argo-cd",
        kind: Kind::Addon,
        default: Enablement::Required,
        requires: &[],
        description: "Argo CD, managing itself and the platform from git",
        source: Source::Chart {
            repository: "https://argoproj.github.io/argo-helm",
            chart: "argo-cd",
            version: None,
        },
        images: &[],
    },
    ComponentInfo {
        name: "aws-load-balancer-controller",
        kind: Kind::Addon,
        default: Enablement::Required,
        requires: &[],
        description: "AWS Load Balancer Controller: the NLB in front of the Istio ingress gateway",
        source: Source::Chart {
            repository: "https://aws.github.io/eks-charts",
            chart: "aws-load-balancer-controller",
            version: None,
        },
        images: &[],
    },
    ComponentInfo {
        name: "external-secrets",
        kind: Kind::Addon,
        default: Enablement::Required,
        requires: &[],
        description: "External Secrets Operator, reading AWS Secrets Manager",
        source: Source::Chart {
            repository: "https://charts.external-secrets.io",
            chart: "external-secrets",
            version: None,
        },
        images: &[],
    },
    ComponentInfo {
        name: "cert-manager",
        kind: Kind::Addon,
        default: Enablement::Required,
        requires: &[],
        description: "cert-manager with Let's Encrypt ClusterIssuers (DNS-01 on Route53)",
        source: Source::Chart {
            repository: "https://charts.jetstack.io",
            chart: "cert-manager",
            version: None,
        },
        images: &[],
    },
    ComponentInfo {
        name: "external-dns",
        kind: Kind::Addon,
        default: Enablement::On,
        requires: &[],
        description: "external-dns, writing records in the cluster's zones only",
        source: Source::Chart {
            repository: "https://kubernetes-sigs.github.io/external-dns",
            chart: "external-dns",
            version: None,
        },
        images: &[],
    },
    ComponentInfo {
        name: "cluster-autoscaler",
        kind: Kind::Addon,
        default: Enablement::On,
        requires: &[],
        description: "Cluster Autoscaler, matching the Kubernetes minor version",
        source: Source::Chart {
            repository: "https://kubernetes.github.io/autoscaler",
            chart: "cluster-autoscaler",
            version: Some(CLUSTER_AUTOSCALER_CHART),
        },
        images: &["registry.k8s.io/autoscaling/cluster-autoscaler"],
    },
    ComponentInfo {
        name: "storage",
        kind: Kind::Addon,
        default: Enablement::Required,
        requires: &[],
        description: "the default gp3 StorageClass (EBS CSI driver)",
        source: Source::Rendered,
        images: &[],
    },
    ComponentInfo {
        name: "nvidia-device-plugin",
        kind: Kind::Addon,
        default: Enablement::WithGpu,
        requires: &[],
        description: "NVIDIA device plugin, tolerating the GPU node groups' taints",
        source: Source::Chart {
            repository: "https://nvidia.github.io/k8s-device-plugin",
            chart: "nvidia-device-plugin",
            version: None,
        },
        images: &[],
    },
    ComponentInfo {
        name: "istio",
        kind: Kind::Kubeflow,
        default: Enablement::Required,
        requires: &["cert-manager"],
        description: "Istio service mesh and ingress gateway",
        source: Source::Manifests,
        images: &[
            "gcr.io/istio-release/pilot",
            "gcr.io/istio-release/proxyv2",
            "gcr.io/istio-release/install-cni",
        ],
    },
    ComponentInfo {
        name: "oauth2-proxy",
        kind: Kind::Kubeflow,
        default: Enablement::Required,
        requires: &["istio"],
        description: "oauth2-proxy, the login gate in front of Kubeflow",
        source: Source::Manifests,
        images: &["quay.io/oauth2-proxy/oauth2-proxy"],
    },
    ComponentInfo {
        name: "dex",
        kind: Kind::Kubeflow,
        default: Enablement::Required,
        requires: &["istio"],
        description: "Dex, federating Cognito or the external OIDC provider",
        source: Source::Manifests,
        images: &["ghcr.io/dexidp/dex"],
    },
    ComponentInfo {
        name: "kubeflow-base",
        kind: Kind::Kubeflow,
        default: Enablement::Required,
        requires: &["istio", "cert-manager"],
        description: "Kubeflow roles, Istio resources and issuer",
        source: Source::Manifests,
        images: &[],
    },
    ComponentInfo {
        name: "knative-serving",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["istio"],
        description: "Knative Serving, for KServe's serverless mode",
        source: Source::Manifests,
        images: &[
            "gcr.io/knative-releases/knative.dev/serving/cmd/activator",
            "gcr.io/knative-releases/knative.dev/serving/cmd/autoscaler",
            "gcr.io/knative-releases/knative.dev/serving/cmd/controller",
            "gcr.io/knative-releases/knative.dev/serving/cmd/webhook",
            "gcr.io/knative-releases/knative.dev/serving/cmd/queue",
            "gcr.io/knative-releases/knative.dev/net-istio/cmd/controller",
            "gcr.io/knative-releases/knative.dev/net-istio/cmd/webhook",
        ],
    },
    ComponentInfo {
        name: "kserve",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["knative-serving", "kubeflow-base"],
        description: "KServe model serving and its web app",
        source: Source::Manifests,
        images: &[
            "kserve/kserve-controller",
            "kserve/kserve-localmodel-controller",
            "kserve/llmisvc-controller",
        ],
    },
    ComponentInfo {
        name: "pipelines",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["kubeflow-base"],
        description: "Kubeflow Pipelines, multi-user, artifacts in S3",
        source: Source::Manifests,
        images: &[
            "ghcr.io/kubeflow/kfp-api-server",
            "ghcr.io/kubeflow/kfp-frontend",
            "ghcr.io/kubeflow/kfp-persistence-agent",
            "ghcr.io/kubeflow/kfp-scheduled-workflow-controller",
            "ghcr.io/kubeflow/kfp-viewer-crd-controller",
            "ghcr.io/kubeflow/kfp-cache-server",
            "ghcr.io/kubeflow/kfp-metadata-writer",
            "ghcr.io/kubeflow/kfp-metadata-envoy",
        ],
    },
    ComponentInfo {
        name: "katib",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["kubeflow-base"],
        description: "Katib hyperparameter tuning",
        source: Source::Manifests,
        images: &[
            "ghcr.io/kubeflow/katib/katib-controller",
            "ghcr.io/kubeflow/katib/katib-db-manager",
            "ghcr.io/kubeflow/katib/katib-ui",
        ],
    },
    ComponentInfo {
        name: "central-dashboard",
        kind: Kind::Kubeflow,
        default: Enablement::Required,
        requires: &["kubeflow-base"],
        description: "Kubeflow Central Dashboard",
        source: Source::Manifests,
        images: &["ghcr.io/kubeflow/kubeflow/central-dashboard"],
    },
    ComponentInfo {
        name: "profiles",
        kind: Kind::Kubeflow,
        default: Enablement::Required,
        requires: &["kubeflow-base"],
        description: "Profiles controller and KFAM",
        source: Source::Manifests,
        images: &[
            "ghcr.io/kubeflow/kubeflow/profile-controller",
            "ghcr.io/kubeflow/kubeflow/kfam",
        ],
    },
    ComponentInfo {
        name: "poddefaults",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["kubeflow-base"],
        description: "PodDefaults admission webhook",
        source: Source::Manifests,
        images: &["ghcr.io/kubeflow/kubeflow/poddefaults-webhook"],
    },
    ComponentInfo {
        name: "notebooks",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["kubeflow-base"],
        description: "Notebook controller and Jupyter web app",
        source: Source::Manifests,
        images: &[
            "ghcr.io/kubeflow/kubeflow/notebook-controller",
            "ghcr.io/kubeflow/kubeflow/jupyter-web-app",
            "ghcr.io/kubeflow/kubeflow/pvcviewer-controller",
        ],
    },
    ComponentInfo {
        name: "volumes",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["kubeflow-base"],
        description: "Volumes web app",
        source: Source::Manifests,
        images: &["ghcr.io/kubeflow/kubeflow/volumes-web-app"],
    },
    ComponentInfo {
        name: "tensorboards",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["kubeflow-base"],
        description: "TensorBoard controller and web app",
        source: Source::Manifests,
        images: &[
            "ghcr.io/kubeflow/kubeflow/tensorboard-controller",
            "ghcr.io/kubeflow/kubeflow/tensorboards-web-app",
        ],
    },
    ComponentInfo {
        name: "trainer",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["kubeflow-base"],
        description: "Kubeflow Trainer (Training Operator on v1.10)",
        source: Source::Manifests,
        images: &[
            "ghcr.io/kubeflow/trainer/trainer-controller-manager",
            "ghcr.io/kubeflow/training-v1/training-operator",
        ],
    },
    ComponentInfo {
        name: "model-registry",
        kind: Kind::Kubeflow,
        default: Enablement::Off,
        requires: &["kubeflow-base"],
        description: "Kubeflow Model Registry",
        source: Source::Manifests,
        images: &[
            "ghcr.io/kubeflow/model-registry/server",
            "ghcr.io/kubeflow/model-registry/ui",
        ],
    },
    ComponentInfo {
        name: "spark-operator",
        kind: Kind::Kubeflow,
        default: Enablement::Off,
        requires: &["kubeflow-base"],
        description: "Kubeflow Spark Operator",
        source: Source::Manifests,
        images: &["ghcr.io/kubeflow/spark-operator/controller"],
    },
];

/// The component named `name`.
pub fn component(name: &str) -> Option<&'static ComponentInfo> {
    COMPONENTS.iter().find(|component| component.name == name)
}

/// A kubeflow/manifests release sakk knows how to install.
#[derive(Debug, Clone, Copy)]
pub struct Release {
    /// Its tag in kubeflow/manifests.
    pub name: &'static str,
    /// The commit the tag points to. Argo CD fetches this commit, not the tag: a tag can be moved,
    /// a commit cannot, so the same tree always installs the same manifests.
    pub manifests_commit: &'static str,
    /// Kubernetes minor versions it supports, oldest first.
    pub kubernetes: &'static [&'static str],
    /// The Kubernetes version used when the cluster file names none.
    pub default_kubernetes: &'static str,
    /// Version of each component, by name: the chart version for Helm charts, the image tag
    /// for Kubeflow components.
    pub versions: &'static [(&'static str, &'static str)],
    /// The application version a chart installs, where it differs from the chart version.
    pub app_versions: &'static [(&'static str, &'static str)],
    /// Kustomize paths in kubeflow/manifests of each Kubeflow component, in apply order.
    pub manifests_paths: &'static [(&'static str, &'static [&'static str])],
    /// The kubeflow/manifests path that creates the Kubeflow namespaces (`kubeflow`, and
    /// `kubeflow-system` on 26.03). It is synced before the mesh, which already puts objects
    /// in `kubeflow` (26.03's `Sidecar`s), so it belongs to no component.
    pub namespaces_path: &'static str,
}

/// The release used when the cluster file names none.
pub const DEFAULT_RELEASE: &str = "26.03";

/// The Cluster Autoscaler chart: one chart for every Kubernetes minor, the image tag follows
/// the minor (`cluster_autoscaler_version`).
pub const CLUSTER_AUTOSCALER_CHART: &str = "9.59.0";

/// Chart versions and application versions of the add-ons, shared by the releases.
const ADDON_APP_VERSIONS: &[(&str, &str)] = &[
    ("argo-cd", "v3.4.4"),
    ("aws-load-balancer-controller", "v2.17.1"),
    ("external-secrets", "v2.9.0"),
    ("external-dns", "v0.20.0"),
    ("nvidia-device-plugin", "v0.18.2"),
];

/// Every release, newest first.
pub const RELEASES: &[Release] = &[
    Release {
        name: "26.03",
        manifests_commit: "d68ebc7fab366ab40ddd1541d2ec22febb31bc83",
        kubernetes: &["1.33", "1.34", "1.35"],
        default_kubernetes: "1.34",
        versions: &[
            ("argo-cd", "9.7.1"),
            ("aws-load-balancer-controller", "1.17.1"),
            ("external-secrets", "2.9.0"),
            ("cert-manager", "v1.19.4"),
            ("external-dns", "1.20.0"),
            ("storage", "gp3"),
            ("nvidia-device-plugin", "0.18.2"),
            ("istio", "1.28.0"),
            ("oauth2-proxy", "v7.14.3"),
            ("dex", "v2.45.0"),
            ("kubeflow-base", "26.03"),
            ("knative-serving", "1.21.1"),
            ("kserve", "v0.16.0"),
            ("pipelines", "2.16.0"),
            ("katib", "v0.19.0"),
            ("central-dashboard", "v1.10.0"),
            ("profiles", "v1.10.0"),
            ("poddefaults", "v1.10.0"),
            ("notebooks", "v1.10.0"),
            ("volumes", "v1.10.0"),
            ("tensorboards", "v1.10.0"),
            ("trainer", "v2.1.0"),
            ("model-registry", "v0.3.7"),
            ("spark-operator", "2.5.0"),
        ],
        app_versions: ADDON_APP_VERSIONS,
        manifests_paths: &[
            (
                "istio",
                &[
                    "common/istio/istio-crds/base",
                    "common/istio/istio-namespace/base",
                    "common/istio/istio-install/overlays/oauth2-proxy",
                ],
            ),
            (
                "oauth2-proxy",
                &["common/oauth2-proxy/overlays/m2m-dex-and-eks"],
            ),
            ("dex", &["common/dex/overlays/oauth2-proxy"]),
            (
                "kubeflow-base",
                &[
                    "common/kubeflow-roles/base",
                    "common/istio/kubeflow-istio-resources/base",
                ],
            ),
            (
                "knative-serving",
                &[
                    "common/knative/knative-serving/overlays/gateways",
                    "common/istio/cluster-local-gateway/base",
                ],
            ),
            (
                "kserve",
                &[
                    "applications/kserve/kserve",
                    "applications/kserve/models-web-app/overlays/kubeflow",
                ],
            ),
            ("pipelines", &["applications/pipeline/overlays"]),
            (
                "katib",
                &["applications/katib/upstream/installs/katib-with-kubeflow"],
            ),
            (
                "central-dashboard",
                &["applications/centraldashboard/overlays/oauth2-proxy"],
            ),
            ("profiles", &["applications/profiles/pss"]),
            (
                "poddefaults",
                &["applications/admission-webhook/upstream/overlays/cert-manager"],
            ),
            (
                "notebooks",
                &[
                    "applications/jupyter/notebook-controller/upstream/overlays/kubeflow",
                    "applications/jupyter/jupyter-web-app/upstream/overlays/istio",
                    "applications/pvcviewer-controller/upstream/base",
                ],
            ),
            (
                "volumes",
                &["applications/volumes-web-app/upstream/overlays/istio"],
            ),
            (
                "tensorboards",
                &[
                    "applications/tensorboard/tensorboard-controller/upstream/overlays/kubeflow",
                    "applications/tensorboard/tensorboards-web-app/upstream/overlays/istio",
                ],
            ),
            ("trainer", &["applications/trainer/overlays"]),
            (
                "model-registry",
                &[
                    "applications/model-registry/upstream/overlays/db",
                    "applications/model-registry/upstream/options/istio",
                    "applications/model-registry/upstream/options/ui/overlays/istio",
                ],
            ),
            (
                "spark-operator",
                &["applications/spark/spark-operator/overlays/kubeflow"],
            ),
        ],
        namespaces_path: "common/kubeflow-namespace/base",
    },
    Release {
        name: "v1.10.2",
        manifests_commit: "d8d643f1a736b28c525bd9b8ee5c9b2f4a661b39",
        kubernetes: &["1.31", "1.32", "1.33"],
        default_kubernetes: "1.32",
        versions: &[
            ("argo-cd", "9.7.1"),
            ("aws-load-balancer-controller", "1.17.1"),
            ("external-secrets", "2.9.0"),
            ("cert-manager", "v1.16.1"),
            ("external-dns", "1.20.0"),
            ("storage", "gp3"),
            ("nvidia-device-plugin", "0.18.2"),
            ("istio", "1.26.1"),
            ("oauth2-proxy", "v7.7.1"),
            ("dex", "v2.41.1"),
            ("kubeflow-base", "v1.10.2"),
            ("knative-serving", "1.16.2"),
            ("kserve", "v0.15.0"),
            ("pipelines", "2.5.0"),
            ("katib", "v0.18.0"),
            ("central-dashboard", "v1.10.0"),
            ("profiles", "v1.10.0"),
            ("poddefaults", "v1.10.0"),
            ("notebooks", "v1.10.0"),
            ("volumes", "v1.10.0"),
            ("tensorboards", "v1.10.0"),
            // The image tag of `applications/training-operator` at this commit.
            ("trainer", "v1-3f15cb8"),
            ("model-registry", "v0.2.19"),
            ("spark-operator", "2.2.0"),
        ],
        app_versions: ADDON_APP_VERSIONS,
        manifests_paths: &[
            (
                "istio",
                &[
                    "common/istio/istio-crds/base",
                    "common/istio/istio-namespace/base",
                    "common/istio/istio-install/overlays/oauth2-proxy",
                ],
            ),
            (
                "oauth2-proxy",
                &["common/oauth2-proxy/overlays/m2m-dex-and-eks"],
            ),
            ("dex", &["common/dex/overlays/oauth2-proxy"]),
            (
                "kubeflow-base",
                &[
                    "common/networkpolicies/base",
                    "common/kubeflow-roles/base",
                    "common/istio/kubeflow-istio-resources/base",
                ],
            ),
            (
                "knative-serving",
                &[
                    "common/knative/knative-serving/overlays/gateways",
                    "common/istio/cluster-local-gateway/base",
                ],
            ),
            (
                "kserve",
                &[
                    "applications/kserve/kserve",
                    "applications/kserve/models-web-app/overlays/kubeflow",
                ],
            ),
            (
                "pipelines",
                &["applications/pipeline/upstream/env/cert-manager/platform-agnostic-multi-user"],
            ),
            (
                "katib",
                &["applications/katib/upstream/installs/katib-with-kubeflow"],
            ),
            (
                "central-dashboard",
                &["applications/centraldashboard/overlays/oauth2-proxy"],
            ),
            ("profiles", &["applications/profiles/pss"]),
            (
                "poddefaults",
                &["applications/admission-webhook/upstream/overlays/cert-manager"],
            ),
            (
                "notebooks",
                &[
                    "applications/jupyter/notebook-controller/upstream/overlays/kubeflow",
                    "applications/jupyter/jupyter-web-app/upstream/overlays/istio",
                    "applications/pvcviewer-controller/upstream/base",
                ],
            ),
            (
                "volumes",
                &["applications/volumes-web-app/upstream/overlays/istio"],
            ),
            (
                "tensorboards",
                &[
                    "applications/tensorboard/tensorboard-controller/upstream/overlays/kubeflow",
                    "applications/tensorboard/tensorboards-web-app/upstream/overlays/istio",
                ],
            ),
            (
                "trainer",
                &["applications/training-operator/upstream/overlays/kubeflow"],
            ),
            (
                "model-registry",
                &[
                    "applications/model-registry/upstream/overlays/db",
                    "applications/model-registry/upstream/options/istio",
                    "applications/model-registry/upstream/options/ui/overlays/istio",
                ],
            ),
            (
                "spark-operator",
                &["applications/spark/spark-operator/overlays/kubeflow"],
            ),
        ],
        namespaces_path: "common/kubeflow-namespace/base",
    },
];

/// The release named `name` (`v1.10.2` may be written `1.10.2`).
pub fn release(name: &str) -> Option<&'static Release> {
    RELEASES
        .iter()
        .find(|release| release.name == name || release.name.strip_prefix('v') == Some(name))
}

impl Release {
    /// The version `component` gets in this release, for a cluster of Kubernetes
    /// `kubernetes_version` (the Cluster Autoscaler follows the Kubernetes minor).
    pub fn version_of(&self, component: &str, kubernetes_version: &str) -> Option<String> {
        if component == "cluster-autoscaler" {
            return cluster_autoscaler_version(kubernetes_version).map(str::to_owned);
        }
        self.versions
            .iter()
            .find(|(name, _)| *name == component)
            .map(|(_, version)| (*version).to_owned())
    }

    /// The kubeflow/manifests paths of `component` in this release (empty for add-ons).
    pub fn paths_of(&self, component: &str) -> &'static [&'static str] {
        self.manifests_paths
            .iter()
            .find(|(name, _)| *name == component)
            .map_or(&[], |(_, paths)| paths)
    }

    /// The application version a chart of `component` installs, when it differs from the
    /// chart version.
    pub fn app_version_of(&self, component: &str) -> Option<&'static str> {
        self.app_versions
            .iter()
            .find(|(name, _)| *name == component)
            .map(|(_, version)| *version)
    }
}

/// The Cluster Autoscaler release for a Kubernetes minor version: its minor must match.
pub fn cluster_autoscaler_version(kubernetes_version: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("1.31", "v1.31.5"),
        ("1.32", "v1.32.7"),
        ("1.33", "v1.33.6"),
        ("1.34", "v1.34.5"),
        ("1.35", "v1.35.2"),
    ];
    TABLE
        .iter()
        .find(|(minor, _)| *minor == kubernetes_version)
        .map(|(_, version)| *version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_release_versions_every_component_and_requirements_exist() {
        for release in RELEASES {
            for component in COMPONENTS {
                assert!(
                    release
                        .version_of(component.name, release.default_kubernetes)
                        .is_some(),
                    "{} has no version of {}",
                    release.name,
                    component.name
                );
                if component.source == Source::Manifests {
                    assert!(
                        !release.paths_of(component.name).is_empty(),
                        "{} has no kubeflow/manifests path for {}",
                        release.name,
                        component.name
                    );
                }
                for needed in component.requires {
                    assert!(
                        super::component(needed).is_some(),
                        "{needed} is not a component"
                    );
                }
            }
            for minor in release.kubernetes {
                assert!(
                    cluster_autoscaler_version(minor).is_some(),
                    "no autoscaler for {minor}"
                );
            }
            assert!(release.kubernetes.contains(&release.default_kubernetes));
        }
        assert!(release(DEFAULT_RELEASE).is_some());
        for release in RELEASES {
            assert_eq!(release.manifests_commit.len(), 40);
            assert!(
                release
                    .manifests_commit
                    .chars()
                    .all(|c| c.is_ascii_hexdigit())
            );
        }
        assert_eq!(
            release("1.10.2").map(|release| release.name),
            Some("v1.10.2")
        );
    }
}
