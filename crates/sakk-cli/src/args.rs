//! Command-line arguments (clap). No behaviour here: `commands` does the work.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The exit codes, shown in `--help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    invalid input, user error or cloud error (nothing was changed)
  2    `plan --detailed-exitcode` only: success, with changes
  101  a bug in sakk (please report it)";

/// Production Kubeflow on Amazon EKS from one small file per cluster.
#[derive(Debug, Parser)]
#[command(
    name = "sakk",
    version,
    about = "Production Kubeflow on Amazon EKS from one small file per cluster",
    long_about = "sakk stands up and runs Kubeflow platforms on Amazon EKS: the AWS foundation, \
                  Argo CD managing the platform from git, TLS, DNS and login, for one cluster or a \
                  fleet.\n\nLike Terraform, every command acts on the cluster files of the current \
                  directory (main.tf and *.hcl, with backend.hcl) unless files are named.",
    after_help = EXIT_CODES,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
    /// When to colour the output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check cluster files: every problem at once, with file, line, column, field and hint.
    #[command(
        after_help = "Examples:\n  sakk validate                    # the cluster files of this directory\n  sakk validate clusters/          # every cluster file of a fleet\n  sakk validate main.tf            # a SAKK main.tf (and the backend.hcl next to it)\n  sakk validate --output json prod.hcl"
    )]
    Validate(ValidateArgs),
    /// Print the resolved model: every default and every derived name.
    #[command(
        after_help = "Examples:\n  sakk show\n  sakk show --output json main.tf\n  sakk show --cluster prod clusters/"
    )]
    Show(ShowArgs),
    /// Write a new, commented cluster file (asks for what is missing when run on a terminal).
    #[command(
        after_help = "Examples:\n  sakk new\n  sakk new ml-dev --region eu-west-1 --domain ml.example.com \\\n      --acme-email ops@example.com --github example-org/ml-platform"
    )]
    New(Box<NewArgs>),
    /// Write the GitOps tree (the Argo CD app-of-apps) of each cluster; --check compares instead.
    #[command(
        after_help = "The tree of each cluster goes to <out>/<gitops path>; files of that directory that are not part of\nthe tree are removed. AWS values come from --outputs, else the state of the last apply, else\ndocumented placeholders.\n\nExamples:\n  sakk render --out ../platform-repo\n  sakk render --check --out ../platform-repo      # CI: exit 1 when the committed tree is stale\n  sakk render --outputs outputs.json cluster.hcl"
    )]
    Render(RenderArgs),
    /// Commit the GitOps tree of each cluster to its repository and push it.
    #[command(
        after_help = "Clones or pulls the repository into .sakk/<cluster>/gitops, replaces only the cluster's GitOps path,\ncommits with a message listing what changed, and pushes. Nothing changed: no commit.\nUses the git command line, so your credential helpers and SSH agent apply.\n\nExamples:\n  sakk publish\n  sakk publish --outputs outputs.json prod.hcl"
    )]
    Publish(PublishArgs),
    /// Print the version table: every component, its source and version, and what the cluster file overrides.
    #[command(
        after_help = "Examples:\n  sakk versions                 # the catalog, or the clusters of this directory\n  sakk versions prod.hcl\n  sakk versions --output json"
    )]
    Versions(VersionsArgs),
    /// Prepare the state backend: check credentials, create the S3 bucket and the lock table
    /// when missing, and move a local state to S3 when asked.
    #[command(
        after_help = "Examples:\n  sakk init                          # once per cluster, before its first apply; safe to repeat\n  sakk init --migrate-state          # also move .sakk/<cluster>/state.json into the S3 backend"
    )]
    Init(InitArgs),
    /// Show what `apply` would change in AWS (reads only; without credentials, from the state).
    #[command(
        after_help = "Examples:\n  sakk plan\n  sakk plan --out plan.json          # save it; `sakk apply plan.json` applies exactly this\n  sakk plan --output json | jq '.changes[] | select(.action != \"no-op\")'\n  sakk plan --detailed-exitcode      # exit 2 when there are changes (for CI)"
    )]
    Plan(PlanArgs),
    /// Create or change the cluster's AWS resources (shows the plan and asks first).
    #[command(
        after_help = "Examples:\n  sakk apply\n  sakk apply --yes                   # no question (CI)\n  sakk apply plan.json               # a plan saved with `sakk plan --out`; refused if AWS or the state moved since"
    )]
    Apply(ApplyArgs),
    /// Delete every AWS resource of the cluster, including what Kubernetes controllers made.
    #[command(after_help = "Examples:\n  sakk destroy\n  sakk destroy --yes")]
    Destroy(DestroyArgs),
    /// Print the AWS outputs of the last apply (JSON for `render --outputs`), from the state.
    #[command(
        after_help = "Examples:\n  sakk output > outputs.json\n  sakk render --outputs outputs.json --out ../platform-repo   # e.g. in CI without state access"
    )]
    Output(OutputArgs),
    /// Write the cluster's entry into your kubeconfig, with sakk as its credential plugin (no aws CLI).
    #[command(
        after_help = "Reads the cluster's endpoint and CA from EKS and merges a cluster, a user and a context named by\nthe cluster's ARN into the first file of $KUBECONFIG, else ~/.kube/config; other entries are kept.\nThe user runs `sakk token`, so kubectl needs neither the aws CLI nor aws-iam-authenticator.\n\nExamples:\n  sakk kubeconfig && kubectl get namespaces\n  sakk kubeconfig --alias ml-dev --kubeconfig ~/.kube/ml.yaml\n  sakk kubeconfig --dry-run        # print the merged file instead"
    )]
    Kubeconfig(KubeconfigArgs),
    /// Print an EKS bearer token as the ExecCredential kubectl reads (what a kubeconfig entry runs).
    #[command(
        after_help = "Signs an STS GetCallerIdentity request for the cluster locally, as `aws eks get-token` does;\nthe token is valid for 15 minutes and reported to expire after 14. The credentials are the AWS SDK's\nusual ones (environment, AWS_PROFILE, SSO, instance role). Honours KUBERNETES_EXEC_INFO.\n\nExamples:\n  sakk token --cluster ml-dev --region eu-west-1"
    )]
    Token(TokenArgs),
    /// Inspect and manage the state: what sakk created, its lock, its history.
    #[command(subcommand)]
    State(StateCommand),
    /// Run the whole offline flow on the built-in example cluster (no AWS account needed).
    #[command(after_help = "Examples:\n  sakk demo\n  sakk demo --dir /tmp/sakk-demo")]
    Demo(DemoArgs),
    /// Print sakk's version and the Kubeflow releases it installs.
    Version(VersionArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  sakk completions bash > /etc/bash_completion.d/sakk\n  sakk completions zsh > \"${fpath[1]}/_sakk\""
    )]
    Completions(CompletionsArgs),
}

/// Machine or human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// For people.
    Human,
    /// For programs.
    Json,
}

/// Cluster files named as arguments or with `-f` (as for plan, apply and the other commands).
#[derive(Debug, Args)]
pub struct Files {
    /// Cluster files or directories (default: the current directory).
    #[arg(value_name = "FILE")]
    pub positional: Vec<PathBuf>,
    /// Cluster files or directories, like the arguments.
    #[arg(long = "file", short = 'f', value_name = "FILE")]
    pub named: Vec<PathBuf>,
}

impl Files {
    /// Every file named, arguments first.
    pub fn all(&self) -> Vec<PathBuf> {
        self.positional.iter().chain(&self.named).cloned().collect()
    }
}

/// `sakk validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Cluster files or directories (default: the current directory).
    #[command(flatten)]
    pub files: Files,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Output::Human)]
    pub output: Output,
}

/// Format of `sakk show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    /// HCL, like a cluster file with everything spelled out.
    Hcl,
    /// JSON.
    Json,
}

/// `sakk show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Cluster files or directories (default: the current directory).
    #[command(flatten)]
    pub files: Files,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ShowFormat::Hcl)]
    pub output: ShowFormat,
    /// Show only this cluster.
    #[arg(long)]
    pub cluster: Option<String>,
}

/// `sakk new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Cluster name (a DNS label, at most 40 characters).
    pub name: Option<String>,
    /// AWS region.
    #[arg(long)]
    pub region: Option<String>,
    /// Domain for the platform (repeat for more); Kubeflow is served at kubeflow.<first>.
    #[arg(long = "domain")]
    pub domains: Vec<String>,
    /// Route53 zone ID of the parent domain, for NS delegation.
    #[arg(long)]
    pub parent_zone_id: Option<String>,
    /// E-mail for Let's Encrypt.
    #[arg(long)]
    pub acme_email: Option<String>,
    /// GitOps repository on GitHub, as owner/repository.
    #[arg(long, conflicts_with = "git_url")]
    pub github: Option<String>,
    /// GitOps repository at any git URL.
    #[arg(long)]
    pub git_url: Option<String>,
    /// GitOps branch.
    #[arg(long)]
    pub branch: Option<String>,
    /// IAM user or role ARN with cluster-admin access (repeat for more).
    #[arg(long = "admin")]
    pub admins: Vec<String>,
    /// A user, as username=email (repeat for more).
    #[arg(long = "user")]
    pub users: Vec<String>,
    /// Where to write the file (default: <name>.hcl).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    /// Never ask questions, even on a terminal.
    #[arg(long)]
    pub no_input: bool,
}

/// `sakk render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Cluster files or directories (default: the current directory).
    #[command(flatten)]
    pub files: Files,
    /// Root of the GitOps repository checkout; each tree goes to its GitOps path below it.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    /// Compare the tree on disk with the rendered one; exit 1 listing the differences.
    #[arg(long)]
    pub check: bool,
    /// AWS outputs (the JSON `sakk output` prints) instead of those of the state.
    #[arg(long)]
    pub outputs: Option<PathBuf>,
    /// Render only this cluster.
    #[arg(long)]
    pub cluster: Option<String>,
    /// Write the tree even when the convergence check finds a wave that can never become
    /// Healthy (with a warning).
    #[arg(long)]
    pub no_check: bool,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Output::Human)]
    pub output: Output,
}

/// Which cluster files and which cluster.
#[derive(Debug, Args)]
pub struct Target {
    /// Cluster files or directories (default: the current directory).
    #[arg(long = "file", short = 'f')]
    pub files: Vec<PathBuf>,
    /// The cluster, when the files hold several.
    #[arg(long)]
    pub cluster: Option<String>,
}

/// `sakk publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Cluster files or directories (default: the current directory).
    #[command(flatten)]
    pub files: Files,
    /// AWS outputs (the JSON `sakk output` prints) instead of those of the state.
    #[arg(long)]
    pub outputs: Option<PathBuf>,
    /// Publish only this cluster.
    #[arg(long)]
    pub cluster: Option<String>,
}

/// `sakk versions`.
#[derive(Debug, Args)]
pub struct VersionsArgs {
    /// Cluster files or directories (default: the current directory).
    #[command(flatten)]
    pub files: Files,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Output::Human)]
    pub output: Output,
}

/// Waiting for the state's lock.
#[derive(Debug, Args)]
pub struct LockArgs {
    /// How long to wait for the lock when another run holds it (`30s`, `5m`); by default the
    /// command stops at once and says who holds it.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "0s")]
    pub lock_timeout: std::time::Duration,
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text)
        .map_err(|error| format!("{error} (write a duration such as `30s`, `5m` or `1h`)"))
}

/// `sakk init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Cluster files and cluster.
    #[command(flatten)]
    pub target: Target,
    /// Move the local state (`.sakk/<cluster>/state.json`) into the S3 backend, under its lock;
    /// refused when S3 already holds the state of another lineage.
    #[arg(long)]
    pub migrate_state: bool,
    /// Waiting for the lock (with `--migrate-state`).
    #[command(flatten)]
    pub lock: LockArgs,
}

/// `sakk plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Cluster files and cluster.
    #[command(flatten)]
    pub target: Target,
    /// Hold the state's lock while planning (by default `plan` only reads, without locking).
    #[arg(long)]
    pub lock: bool,
    /// Waiting for the lock (with `--lock`).
    #[command(flatten)]
    pub lock_wait: LockArgs,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Output::Human)]
    pub output: Output,
    /// Exit 2 when the plan has changes (0: none, 1: error).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Save the plan to a file for `sakk apply FILE`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Plan from the state file alone, without calling AWS.
    #[arg(long)]
    pub offline: bool,
}

/// `sakk apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `sakk plan --out` (default: plan now).
    pub plan: Option<PathBuf>,
    /// Cluster files and cluster.
    #[command(flatten)]
    pub target: Target,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub yes: bool,
    /// Waiting for the lock.
    #[command(flatten)]
    pub lock: LockArgs,
}

/// `sakk destroy`.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Cluster files and cluster.
    #[command(flatten)]
    pub target: Target,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub yes: bool,
    /// Waiting for the lock.
    #[command(flatten)]
    pub lock: LockArgs,
}

/// `sakk output`.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Cluster files and cluster.
    #[command(flatten)]
    pub target: Target,
}

/// `sakk kubeconfig`.
#[derive(Debug, Args)]
pub struct KubeconfigArgs {
    /// Cluster files and cluster.
    #[command(flatten)]
    pub target: Target,
    /// The kubeconfig file to write (default: the first file of $KUBECONFIG, else ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Name the context this instead of the cluster's ARN.
    #[arg(long)]
    pub alias: Option<String>,
    /// Print the merged file on stdout instead of writing it.
    #[arg(long)]
    pub dry_run: bool,
}

/// `sakk token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The EKS cluster's name (as EKS knows it).
    #[arg(long)]
    pub cluster: String,
    /// Its region (default: the AWS SDK's region: AWS_REGION, the profile).
    #[arg(long)]
    pub region: Option<String>,
}

/// `sakk state`.
#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List the resources in the state: address and AWS ID.
    List(StateListArgs),
    /// Show one resource (or, without an address, the whole state) as JSON.
    Show(StateShowArgs),
    /// Release a lock left by a run that died, by the lock ID its error printed.
    #[command(
        after_help = "Examples:\n  sakk state unlock 6f1c0e9a4b2d47e3a5c8d9e0f1a2b3c4          # once its lease has expired\n  sakk state unlock 6f1c0e9a4b2d47e3a5c8d9e0f1a2b3c4 --force  # now: only if you know the holder is dead"
    )]
    Unlock(StateUnlockArgs),
    /// Print the current state (JSON) on stdout.
    #[command(after_help = "Examples:\n  sakk state pull > backup.json")]
    Pull(StatePullArgs),
    /// Replace the state with a state file, under the lock (refuses another lineage or an older
    /// serial unless --force).
    #[command(
        after_help = "Examples:\n  sakk state push backup.json\n  sakk state push --force other.json"
    )]
    Push(StatePushArgs),
    /// List the stored versions of the state (S3 backend): version ID, time, serial, writer.
    #[command(
        after_help = "Examples:\n  sakk state history\n  sakk state history --limit 100 --output json"
    )]
    History(StateHistoryArgs),
    /// Write an earlier version back as the current state (a new serial), under the lock.
    #[command(
        after_help = "Examples:\n  sakk state history\n  sakk state restore 3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
    )]
    Restore(StateRestoreArgs),
}

/// `sakk state unlock`.
#[derive(Debug, Args)]
pub struct StateUnlockArgs {
    /// The lock ID (printed by the command that found the lock held).
    pub lock_id: String,
    /// Release it even though its lease is still fresh (the holder may still be running: only
    /// when you know it is not).
    #[arg(long)]
    pub force: bool,
    /// Cluster files and cluster.
    #[command(flatten)]
    pub target: Target,
}

/// `sakk state pull`.
#[derive(Debug, Args)]
pub struct StatePullArgs {
    /// Cluster files and cluster.
    #[command(flatten)]
    pub target: Target,
}

/// `sakk state push`.
#[derive(Debug, Args)]
pub struct StatePushArgs {
    /// The state file to push.
    pub file: PathBuf,
    /// Push even if its lineage differs or its serial is older than the stored state's.
    #[arg(long)]
    pub force: bool,
    /// Cluster files and cluster.
    #[command(flatten)]
    pub target: Target,
    /// Waiting for the lock.
    #[command(flatten)]
    pub lock: LockArgs,
}

/// `sakk state history`.
#[derive(Debug, Args)]
pub struct StateHistoryArgs {
    /// How many versions, newest first.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Output::Human)]
    pub output: Output,
    /// Cluster files and cluster.
    #[command(flatten)]
    pub target: Target,
}

/// `sakk state restore`.
#[derive(Debug, Args)]
pub struct StateRestoreArgs {
    /// The version ID (from `sakk state history`).
    pub version: String,
    /// Restore even if that version has another lineage than the current state.
    #[arg(long)]
    pub force: bool,
    /// Cluster files and cluster.
    #[command(flatten)]
    pub target: Target,
    /// Waiting for the lock.
    #[command(flatten)]
    pub lock: LockArgs,
}

/// `sakk state list`.
#[derive(Debug, Args)]
pub struct StateListArgs {
    /// Cluster files and cluster.
    #[command(flatten)]
    pub target: Target,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Output::Human)]
    pub output: Output,
}

/// `sakk state show`.
#[derive(Debug, Args)]
pub struct StateShowArgs {
    /// A resource address (`vpc.main`); all of the state when omitted.
    pub address: Option<String>,
    /// Cluster files and cluster.
    #[command(flatten)]
    pub target: Target,
}

/// `sakk demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the demo's files (cluster file, state, local git remote).
    #[arg(long, default_value = "sakk-demo")]
    pub dir: PathBuf,
}

/// `sakk version`.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Output::Human)]
    pub output: Output,
}

/// `sakk completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
