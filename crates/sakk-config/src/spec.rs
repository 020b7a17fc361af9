//! The cluster specification as written: every setting optional, every value with its position.
//! Both file forms (SAKK's `main.tf` and the native `cluster` block) read into this one type;
//! `sakk-model` validates it, fills in defaults and derives names.

use sakk_core::{FieldPath, SourceId, Span, Spanned};

/// A spanned string.
pub type Text = Spanned<String>;
/// A spanned list of spanned strings.
pub type TextList = Spanned<Vec<Text>>;
/// A spanned list of spanned key/value pairs, in file order.
pub type TextMap = Spanned<Vec<(Text, Text)>>;

/// Which of the two accepted forms a cluster was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Swiss Army Kube for Kubeflow: `module "..." { source = "...sak-kubeflow..." }` in `main.tf`,
    /// with the state backend in `backend.hcl`.
    Sakk,
    /// sakk's own `cluster "<name>" { ... }` block.
    Native,
}

/// Where the fields of one block or list entry live, for cross-field diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The field path of the block or entry.
    pub path: FieldPath,
    /// Its header or opening position.
    pub span: Option<Span>,
}

/// One cluster, as written.
#[derive(Debug, Clone)]
pub struct ClusterSpec {
    /// The form it was written in.
    pub form: Form,
    /// The file holding it.
    pub source: SourceId,
    /// The field path prefix of its settings (`module.sak_kubeflow` or `cluster["name"]`).
    pub origin: Origin,
    /// Maps setting names used in messages to the names of this form (`parent_zone_id` is
    /// `mainzoneid` in the SAKK form).
    pub names: fn(&str) -> &str,
    /// The cluster name.
    pub name: Option<Text>,
    /// AWS region.
    pub region: Option<Text>,
    /// Availability zones.
    pub availability_zones: Option<TextList>,
    /// Kubernetes minor version (`1.34`).
    pub kubernetes_version: Option<Text>,
    /// Tags for every AWS resource.
    pub tags: Vec<(Text, Text)>,
    /// Network settings.
    pub network: NetworkSpec,
    /// DNS domains; the first drives host names.
    pub domains: Option<TextList>,
    /// Parent Route53 zone for NS delegation.
    pub parent_zone_id: Option<Text>,
    /// Private hosted zones instead of public ones.
    pub private_dns: Option<Spanned<bool>>,
    /// Let's Encrypt account e-mail.
    pub acme_email: Option<Text>,
    /// Cluster administrators.
    pub admins: Vec<AdminSpec>,
    /// Node groups.
    pub node_groups: Vec<NodeGroupSpec>,
    /// The GitOps repository.
    pub gitops: GitOpsSpec,
    /// Identity provider.
    pub identity: IdentitySpec,
    /// Declared groups.
    pub groups: Vec<GroupSpec>,
    /// Users.
    pub users: Vec<UserSpec>,
    /// Teams (Kubeflow profiles).
    pub teams: Vec<TeamSpec>,
    /// Kubeflow release.
    pub kubeflow_release: Option<Text>,
    /// Per-component switches and version overrides.
    pub components: Vec<ComponentSpec>,
    /// Pipelines and Katib database.
    pub database: Option<DatabaseSpec>,
    /// Pipelines artifact bucket.
    pub object_store: Option<ObjectStoreSpec>,
    /// State backend.
    pub backend: Option<BackendSpec>,
}

impl ClusterSpec {
    /// An empty specification of `form` in `source`.
    pub fn empty(form: Form, source: SourceId, origin: Origin) -> Self {
        Self {
            form,
            source,
            origin,
            names: match form {
                Form::Sakk => crate::sakk::setting_name,
                Form::Native => native_name,
            },
            name: None,
            region: None,
            availability_zones: None,
            kubernetes_version: None,
            tags: Vec::new(),
            network: NetworkSpec::default(),
            domains: None,
            parent_zone_id: None,
            private_dns: None,
            acme_email: None,
            admins: Vec::new(),
            node_groups: Vec::new(),
            gitops: GitOpsSpec::default(),
            identity: IdentitySpec::default(),
            groups: Vec::new(),
            users: Vec::new(),
            teams: Vec::new(),
            kubeflow_release: None,
            components: Vec::new(),
            database: None,
            object_store: None,
            backend: None,
        }
    }

    /// The field path of a top-level setting, in this form's names.
    pub fn path(&self, setting: &str) -> FieldPath {
        self.origin.path.key((self.names)(setting))
    }
}

fn native_name(name: &str) -> &str {
    name
}

/// VPC settings.
#[derive(Debug, Clone, Default)]
pub struct NetworkSpec {
    /// Where the `network` block is.
    pub origin: Option<Origin>,
    /// The VPC CIDR.
    pub vpc_cidr: Option<Text>,
    /// `single` or `per-az`.
    pub nat_gateways: Option<Text>,
    /// Explicit private subnets, one per zone.
    pub private_subnets: Option<TextList>,
    /// Explicit public subnets, one per zone.
    pub public_subnets: Option<TextList>,
    /// Whether the Kubernetes API is reachable from the internet.
    pub endpoint_public_access: Option<Spanned<bool>>,
    /// Who may reach the public endpoint.
    pub public_access_cidrs: Option<TextList>,
}

/// A cluster administrator.
#[derive(Debug, Clone)]
pub struct AdminSpec {
    /// Where the entry is.
    pub origin: Origin,
    /// IAM user or role ARN.
    pub arn: Option<Text>,
    /// Kubernetes user name.
    pub username: Option<Text>,
    /// Kubernetes groups (SAKK's `groups`).
    pub groups: Option<TextList>,
    /// Access level: `cluster-admin`, `admin`, `edit` or `view`.
    pub access: Option<Text>,
}

/// A node group.
#[derive(Debug, Clone)]
pub struct NodeGroupSpec {
    /// Where the block is.
    pub origin: Origin,
    /// Its name.
    pub name: Text,
    /// EC2 instance types.
    pub instance_types: Option<TextList>,
    /// Minimum size.
    pub min_size: Option<Spanned<u64>>,
    /// Desired size.
    pub desired_size: Option<Spanned<u64>>,
    /// Maximum size.
    pub max_size: Option<Spanned<u64>>,
    /// `on-demand` or `spot`.
    pub capacity_type: Option<Text>,
    /// GPU nodes.
    pub gpu: Option<Spanned<bool>>,
    /// Root volume size in GiB.
    pub disk_size: Option<Spanned<u64>>,
    /// Kubernetes labels.
    pub labels: Option<TextMap>,
    /// Kubernetes taints, `key=value:Effect`.
    pub taints: Option<TextList>,
}

/// The GitOps repository Argo CD syncs from.
#[derive(Debug, Clone, Default)]
pub struct GitOpsSpec {
    /// Where the block is (native form).
    pub origin: Option<Origin>,
    /// GitHub owner (SAKK `owner`, or the part before `/` of native `github`).
    pub github_owner: Option<Text>,
    /// GitHub repository name.
    pub github_repository: Option<Text>,
    /// The native `github = "owner/repo"` setting, as written.
    pub github: Option<Text>,
    /// Any git URL.
    pub url: Option<Text>,
    /// Branch.
    pub branch: Option<Text>,
    /// SAKK `argo_path_prefix`.
    pub path_prefix: Option<Text>,
    /// SAKK `argo_apps_dir`.
    pub apps_dir: Option<Text>,
    /// Native `path`.
    pub path: Option<Text>,
}

/// Identity provider settings.
#[derive(Debug, Clone, Default)]
pub struct IdentitySpec {
    /// An external OIDC issuer instead of Cognito.
    pub oidc: Option<OidcSpec>,
    /// Cognito domain prefix override.
    pub cognito_domain_prefix: Option<Text>,
}

/// An external OIDC issuer.
#[derive(Debug, Clone)]
pub struct OidcSpec {
    /// Where the block is.
    pub origin: Origin,
    /// Issuer URL.
    pub issuer: Option<Text>,
    /// Client ID.
    pub client_id: Option<Text>,
    /// ARN of the Secrets Manager secret holding the client secret.
    pub client_secret: Option<Text>,
    /// Claim holding the user's groups.
    pub groups_claim: Option<Text>,
}

/// A user group.
#[derive(Debug, Clone)]
pub struct GroupSpec {
    /// Where the block is.
    pub origin: Origin,
    /// Its name.
    pub name: Text,
    /// Argo CD role: `admin` or `readonly`.
    pub argocd_role: Option<Text>,
}

/// A user.
#[derive(Debug, Clone)]
pub struct UserSpec {
    /// Where the entry is.
    pub origin: Origin,
    /// User name.
    pub username: Option<Text>,
    /// E-mail.
    pub email: Option<Text>,
    /// Groups.
    pub groups: Option<TextList>,
    /// Whether the user gets a personal Kubeflow profile.
    pub profile: Option<Spanned<bool>>,
}

/// A team: one Kubeflow profile with an owner and members.
#[derive(Debug, Clone)]
pub struct TeamSpec {
    /// Where the block is.
    pub origin: Origin,
    /// The profile (namespace) name.
    pub name: Text,
    /// The owner's e-mail.
    pub owner: Option<Text>,
    /// Members' e-mails and their access (`edit` or `view`).
    pub members: Option<TextMap>,
    /// Resource quota.
    pub quota: Option<QuotaSpec>,
    /// IAM policy ARNs for the team's role.
    pub aws_policies: Option<TextList>,
}

/// A profile's resource quota.
#[derive(Debug, Clone)]
pub struct QuotaSpec {
    /// Where the block is.
    pub origin: Origin,
    /// CPU cores.
    pub cpu: Option<Text>,
    /// Memory.
    pub memory: Option<Text>,
    /// GPUs.
    pub gpu: Option<Spanned<u64>>,
    /// Persistent volume storage.
    pub storage: Option<Text>,
}

/// A component switch or version override.
#[derive(Debug, Clone)]
pub struct ComponentSpec {
    /// Where the block is.
    pub origin: Origin,
    /// Component name.
    pub name: Text,
    /// On or off.
    pub enabled: Option<Spanned<bool>>,
    /// Version override.
    pub version: Option<Text>,
}

/// The database for Pipelines and Katib.
#[derive(Debug, Clone)]
pub enum DatabaseSpec {
    /// An RDS MySQL instance managed by sakk.
    Rds {
        /// Where the block is.
        origin: Origin,
        /// Instance class.
        instance_class: Option<Text>,
        /// Storage in GiB.
        storage_gb: Option<Spanned<u64>>,
        /// Multi-AZ.
        multi_az: Option<Spanned<bool>>,
    },
    /// An existing MySQL server.
    External {
        /// Where the block is.
        origin: Origin,
        /// Host name.
        host: Option<Text>,
        /// Port.
        port: Option<Spanned<u64>>,
        /// User name.
        username: Option<Text>,
        /// ARN of the Secrets Manager secret holding the password.
        password_secret: Option<Text>,
    },
    /// The block is there but says neither.
    Empty(Origin),
}

/// The Pipelines artifact bucket.
#[derive(Debug, Clone)]
pub struct ObjectStoreSpec {
    /// Where the block is.
    pub origin: Origin,
    /// Bucket name.
    pub bucket: Option<Text>,
    /// True when the bucket exists and sakk must not manage it.
    pub existing: Option<Spanned<bool>>,
}

/// The state backend.
#[derive(Debug, Clone)]
pub struct BackendSpec {
    /// Where it is configured.
    pub origin: Origin,
    /// `local` or `s3`.
    pub kind: Text,
    /// Local state path.
    pub path: Option<Text>,
    /// S3 bucket.
    pub bucket: Option<Text>,
    /// S3 key.
    pub key: Option<Text>,
    /// Bucket region.
    pub region: Option<Text>,
    /// DynamoDB lock table.
    pub dynamodb_table: Option<Text>,
    /// KMS key for state encryption.
    pub kms_key_id: Option<Text>,
    /// AWS profile for the backend.
    pub profile: Option<Text>,
    /// The files the settings came from (for messages).
    pub files: Vec<SourceId>,
    /// The `backend.hcl` merged into this block, if any: where missing settings belong.
    pub settings_file: Option<Origin>,
}
