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
}

/// Every component, in install order.
pub const COMPONENTS: &[ComponentInfo] = &[
    ComponentInfo {
        name: "argo-cd",
        kind: Kind::Addon,
        default: Enablement::Required,
        requires: &[],
        description: "Argo CD, managing itself and the platform from git",
    },
    ComponentInfo {
        name: "aws-load-balancer-controller",
        kind: Kind::Addon,
        default: Enablement::Required,
        requires: &[],
        description: "AWS Load Balancer Controller: the NLB in front of the Istio ingress gateway",
    },
    ComponentInfo {
        name: "external-secrets",
        kind: Kind::Addon,
        default: Enablement::Required,
        requires: &[],
        description: "External Secrets Operator, reading AWS Secrets Manager",
    },
    ComponentInfo {
        name: "cert-manager",
        kind: Kind::Addon,
        default: Enablement::Required,
        requires: &[],
        description: "cert-manager with Let's Encrypt ClusterIssuers (DNS-01 on Route53)",
    },
    ComponentInfo {
        name: "external-dns",
        kind: Kind::Addon,
        default: Enablement::On,
        requires: &[],
        description: "external-dns, writing records in the cluster's zones only",
    },
    ComponentInfo {
        name: "cluster-autoscaler",
        kind: Kind::Addon,
        default: Enablement::On,
        requires: &[],
        description: "Cluster Autoscaler, matching the Kubernetes minor version",
    },
    ComponentInfo {
        name: "storage",
        kind: Kind::Addon,
        default: Enablement::Required,
        requires: &[],
        description: "the default gp3 StorageClass (EBS CSI driver)",
    },
    ComponentInfo {
        name: "nvidia-device-plugin",
        kind: Kind::Addon,
        default: Enablement::WithGpu,
        requires: &[],
        description: "NVIDIA device plugin, tolerating the GPU node groups' taints",
    },
    ComponentInfo {
        name: "istio",
        kind: Kind::Kubeflow,
        default: Enablement::Required,
        requires: &["cert-manager"],
        description: "Istio service mesh and ingress gateway",
    },
    ComponentInfo {
        name: "oauth2-proxy",
        kind: Kind::Kubeflow,
        default: Enablement::Required,
        requires: &["istio"],
        description: "oauth2-proxy, the login gate in front of Kubeflow",
    },
    ComponentInfo {
        name: "dex",
        kind: Kind::Kubeflow,
        default: Enablement::Required,
        requires: &["istio"],
        description: "Dex, federating Cognito or the external OIDC provider",
    },
    ComponentInfo {
        name: "kubeflow-base",
        kind: Kind::Kubeflow,
        default: Enablement::Required,
        requires: &["istio", "cert-manager"],
        description: "Kubeflow namespaces, roles, Istio resources and issuer",
    },
    ComponentInfo {
        name: "knative-serving",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["istio"],
        description: "Knative Serving, for KServe's serverless mode",
    },
    ComponentInfo {
        name: "kserve",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["knative-serving", "kubeflow-base"],
        description: "KServe model serving and its web app",
    },
    ComponentInfo {
        name: "pipelines",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["kubeflow-base"],
        description: "Kubeflow Pipelines, multi-user, artifacts in S3",
    },
    ComponentInfo {
        name: "katib",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["kubeflow-base"],
        description: "Katib hyperparameter tuning",
    },
    ComponentInfo {
        name: "central-dashboard",
        kind: Kind::Kubeflow,
        default: Enablement::Required,
        requires: &["kubeflow-base"],
        description: "Kubeflow Central Dashboard",
    },
    ComponentInfo {
        name: "profiles",
        kind: Kind::Kubeflow,
        default: Enablement::Required,
        requires: &["kubeflow-base"],
        description: "Profiles controller and KFAM",
    },
    ComponentInfo {
        name: "poddefaults",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["kubeflow-base"],
        description: "PodDefaults admission webhook",
    },
    ComponentInfo {
        name: "notebooks",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["kubeflow-base"],
        description: "Notebook controller and Jupyter web app",
    },
    ComponentInfo {
        name: "volumes",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["kubeflow-base"],
        description: "Volumes web app",
    },
    ComponentInfo {
        name: "tensorboards",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["kubeflow-base"],
        description: "TensorBoard controller and web app",
    },
    ComponentInfo {
        name: "trainer",
        kind: Kind::Kubeflow,
        default: Enablement::On,
        requires: &["kubeflow-base"],
        description: "Kubeflow Trainer (Training Operator on v1.10)",
    },
    ComponentInfo {
        name: "model-registry",
        kind: Kind::Kubeflow,
        default: Enablement::Off,
        requires: &["kubeflow-base"],
        description: "Kubeflow Model Registry",
    },
    ComponentInfo {
        name: "spark-operator",
        kind: Kind::Kubeflow,
        default: Enablement::Off,
        requires: &["kubeflow-base"],
        description: "Kubeflow Spark Operator",
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
    /// Kubernetes minor versions it supports, oldest first.
    pub kubernetes: &'static [&'static str],
    /// The Kubernetes version used when the cluster file names none.
    pub default_kubernetes: &'static str,
    /// Version of each component, by name.
    pub versions: &'static [(&'static str, &'static str)],
}

/// The release used when the cluster file names none.
pub const DEFAULT_RELEASE: &str = "26.03";

/// Every release, newest first.
pub const RELEASES: &[Release] = &[
    Release {
        name: "26.03",
        kubernetes: &["1.33", "1.34", "1.35"],
        default_kubernetes: "1.34",
        versions: &[
            ("argo-cd", "v3.4.7"),
            ("aws-load-balancer-controller", "v2.17.1"),
            ("external-secrets", "v2.10.0"),
            ("cert-manager", "v1.19.4"),
            ("external-dns", "v0.20.0"),
            ("storage", "gp3"),
            ("nvidia-device-plugin", "v0.18.0"),
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
    },
    Release {
        name: "v1.10.2",
        kubernetes: &["1.31", "1.32", "1.33"],
        default_kubernetes: "1.32",
        versions: &[
            ("argo-cd", "v3.4.7"),
            ("aws-load-balancer-controller", "v2.17.1"),
            ("external-secrets", "v2.10.0"),
            ("cert-manager", "v1.16.1"),
            ("external-dns", "v0.20.0"),
            ("storage", "gp3"),
            ("nvidia-device-plugin", "v0.18.0"),
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
            ("trainer", "v1.9.2"),
            ("model-registry", "v0.2.19"),
            ("spark-operator", "2.2.0"),
        ],
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
}

/// The Cluster Autoscaler release for a Kubernetes minor version: its minor must match.
pub fn cluster_autoscaler_version(kubernetes_version: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("1.31", "v1.31.3"),
        ("1.32", "v1.32.2"),
        ("1.33", "v1.33.1"),
        ("1.34", "v1.34.1"),
        ("1.35", "v1.35.0"),
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
        assert_eq!(
            release("1.10.2").map(|release| release.name),
            Some("v1.10.2")
        );
    }
}
