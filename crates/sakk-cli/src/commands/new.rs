//! `sakk new`: writes a commented native cluster file from flags, asking for what is missing
//! when run on a terminal. The file is validated before it is written; an invalid one is never
//! written.

use crate::args::{NewArgs, Output};
use crate::load::load_inputs;
use crate::output::Printer;
use crate::user_error;
use anyhow::Context;
use sakk_config::Input;
use std::io::IsTerminal;
use std::process::ExitCode;

/// The values a new cluster file needs.
#[derive(Debug, Default, Clone)]
pub struct NewCluster {
    pub name: String,
    pub region: String,
    pub domains: Vec<String>,
    pub parent_zone_id: Option<String>,
    pub acme_email: String,
    pub github: Option<String>,
    pub git_url: Option<String>,
    pub branch: Option<String>,
    pub admins: Vec<String>,
    pub users: Vec<(String, String)>,
}

pub fn run(args: &NewArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let interactive =
        !args.no_input && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let mut values = NewCluster {
        name: args.name.clone().unwrap_or_default(),
        region: args.region.clone().unwrap_or_default(),
        domains: args.domains.clone(),
        parent_zone_id: args.parent_zone_id.clone(),
        acme_email: args.acme_email.clone().unwrap_or_default(),
        github: args.github.clone(),
        git_url: args.git_url.clone(),
        branch: args.branch.clone(),
        admins: args.admins.clone(),
        users: Vec::new(),
    };
    for user in &args.users {
        let Some((name, email)) = user.split_once('=') else {
            return Err(user_error(
                format!("`--user {user}` is not `username=email`"),
                "write it like `--user ada=ada@example.com`",
            ));
        };
        values.users.push((name.to_owned(), email.to_owned()));
    }
    if interactive {
        ask(&mut values)?;
    }
    let mut missing = Vec::new();
    if values.name.is_empty() {
        missing.push("NAME");
    }
    if values.region.is_empty() {
        missing.push("--region");
    }
    if values.domains.is_empty() {
        missing.push("--domain");
    }
    if values.acme_email.is_empty() {
        missing.push("--acme-email");
    }
    if values.github.is_none() && values.git_url.is_none() {
        missing.push("--github or --git-url");
    }
    if !missing.is_empty() {
        return Err(user_error(
            format!("missing {}", missing.join(", ")),
            "run `sakk new` on a terminal to be asked, or pass them: `sakk new ml-dev --region eu-west-1 \
             --domain ml.example.com --acme-email ops@example.com --github example-org/ml-platform`",
        ));
    }
    let text = render(&values);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| format!("{}.hcl", values.name).into());
    let dir = out
        .parent()
        .map(|parent| parent.display().to_string())
        .unwrap_or_default();
    let session = load_inputs(&[Input {
        name: out.display().to_string(),
        bytes: text.clone().into_bytes(),
        dir,
    }]);
    if session.diagnostics.has_errors() {
        printer
            .message("sakk new: these values do not make a valid cluster; nothing was written\n\n");
        return Ok(super::validate::report(&session, Output::Human, printer));
    }
    if out.exists() && !args.force {
        return Err(user_error(
            format!("`{}` already exists", out.display()),
            "choose another file with `--out`, or overwrite it with `--force`",
        ));
    }
    if let Some(parent) = out.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(&out, &text).with_context(|| format!("cannot write {}", out.display()))?;
    printer.message(&sakk_core::render::human_at_most(
        &session.diagnostics,
        &session.sources,
        printer.color(),
        crate::output::SHOWN_AT_MOST,
    ));
    printer.success(&format!("✓ wrote {}", out.display()));
    printer.message(&format!(
        "next: review it, then `sakk validate {0}` and `sakk show {0}`\n",
        out.display()
    ));
    Ok(ExitCode::SUCCESS)
}

fn ask(values: &mut NewCluster) -> anyhow::Result<()> {
    use dialoguer::Input as Prompt;
    use sakk_model::{checks, naming::MAX_CLUSTER_NAME, regions};
    let prompt_error = |error: dialoguer::Error| anyhow::anyhow!("cannot read the answer: {error}");
    // Each answer is checked as it is given, with the rules `sakk validate` applies, and asked
    // again when it is wrong.
    if values.name.is_empty() {
        values.name = Prompt::<String>::new()
            .with_prompt("Cluster name (lowercase letters, digits, -)")
            .validate_with(|name: &String| {
                checks::dns_label(name, MAX_CLUSTER_NAME)
                    .map_err(|reason| format!("not a cluster name: {reason}"))
            })
            .interact_text()
            .map_err(prompt_error)?;
    }
    if values.region.is_empty() {
        values.region = Prompt::<String>::new()
            .with_prompt("AWS region")
            .default("us-east-1".into())
            .validate_with(|region: &String| known_region(region))
            .interact_text()
            .map_err(prompt_error)?;
    }
    let partition = regions::region(&values.region).map_or("aws", |region| region.partition);
    if values.domains.is_empty() {
        let domain: String = Prompt::new()
            .with_prompt("Domain (Kubeflow will be at kubeflow.<domain>)")
            .validate_with(|domain: &String| {
                checks::fqdn(domain)
                    .map(drop)
                    .map_err(|reason| format!("not a domain name: {reason}"))
            })
            .interact_text()
            .map_err(prompt_error)?;
        values.domains.push(domain);
    }
    if values.parent_zone_id.is_none() {
        let zone: String = Prompt::new()
            .with_prompt("Route53 ID of the parent zone (empty: delegate yourself)")
            .allow_empty(true)
            .validate_with(|zone: &String| match zone.is_empty() {
                true => Ok(()),
                false => checks::zone_id(zone)
                    .map(drop)
                    .map_err(|reason| format!("not a hosted zone ID: {reason}")),
            })
            .interact_text()
            .map_err(prompt_error)?;
        values.parent_zone_id = (!zone.is_empty()).then_some(zone);
    }
    if values.acme_email.is_empty() {
        values.acme_email = Prompt::<String>::new()
            .with_prompt("E-mail for Let's Encrypt")
            .validate_with(|email: &String| {
                checks::email(email).map_err(|reason| format!("not an e-mail address: {reason}"))
            })
            .interact_text()
            .map_err(prompt_error)?;
    }
    if values.github.is_none() && values.git_url.is_none() {
        let repository: String = Prompt::new()
            .with_prompt("GitOps repository (owner/repo on GitHub, or a git URL)")
            .validate_with(|repository: &String| gitops_repository(repository).map(drop))
            .interact_text()
            .map_err(prompt_error)?;
        match gitops_repository(&repository) {
            Ok(Repository::Url) => values.git_url = Some(repository),
            _ => values.github = Some(repository),
        }
    }
    if values.admins.is_empty() {
        let admin: String = Prompt::new()
            .with_prompt("IAM ARN with cluster-admin access (empty: none)")
            .allow_empty(true)
            .validate_with(|admin: &String| match admin.is_empty() {
                true => Ok(()),
                false => checks::iam_principal_arn(admin, partition)
                    .map(drop)
                    .map_err(|reason| format!("not an IAM user or role ARN: {reason}")),
            })
            .interact_text()
            .map_err(prompt_error)?;
        if !admin.is_empty() {
            values.admins.push(admin);
        }
    }
    Ok(())
}

/// `Ok` for a region sakk knows, else what is wrong with a suggestion.
fn known_region(region: &str) -> Result<(), String> {
    if sakk_model::regions::region(region).is_some() {
        return Ok(());
    }
    let names = sakk_model::regions::REGIONS.iter().map(|known| known.name);
    Err(match sakk_core::suggest(region, names) {
        Some(near) => format!("unknown region `{region}`: did you mean `{near}`?"),
        None => format!("unknown region `{region}`: write a region code like `eu-west-1`"),
    })
}

/// What a GitOps repository answer names.
enum Repository {
    /// `owner/repository` on GitHub.
    GitHub,
    /// Any git URL.
    Url,
}

fn gitops_repository(answer: &str) -> Result<Repository, String> {
    use sakk_model::checks;
    if answer.contains("://") || answer.starts_with("git@") {
        return checks::git_url(answer).map(|()| Repository::Url);
    }
    let Some((owner, repository)) = answer.split_once('/') else {
        return Err("write `owner/repository` for GitHub, or a git URL".into());
    };
    checks::github_owner(owner)?;
    checks::github_repository(repository)?;
    Ok(Repository::GitHub)
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
}

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|item| quote(item))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The text of a new cluster file: the given values, then every optional setting, commented.
pub fn render(values: &NewCluster) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# Cluster file for `{name}`, written by `sakk new`. Reference: docs/cluster-file.md\n\
         # Validate with `sakk validate`; see every default and derived name with `sakk show`.\n\n\
         cluster {q_name} {{\n\
         \x20 region  = {region}\n\
         \x20 domains = {domains} # Kubeflow at kubeflow.<first>, Argo CD at argocd.<first>\n",
        name = values.name,
        q_name = quote(&values.name),
        region = quote(&values.region),
        domains = list(&values.domains),
    ));
    match &values.parent_zone_id {
        Some(zone) => out.push_str(&format!("  parent_zone_id = {} # sakk adds the NS delegation here\n", quote(zone))),
        None => out.push_str("  # parent_zone_id = \"Z0123456789ABCDEFGHIJ\" # parent zone: sakk adds the NS delegation\n"),
    }
    out.push_str(&format!(
        "  acme_email = {} # Let's Encrypt account\n",
        quote(&values.acme_email)
    ));
    if values.admins.is_empty() {
        out.push_str("  # admins = [\"arn:aws:iam::123456789012:role/platform-admins\"] # cluster-admin access\n");
    } else {
        out.push_str(&format!(
            "  admins = {} # cluster-admin access\n",
            list(&values.admins)
        ));
    }
    out.push_str("\n  # availability_zones = [\"<region>a\", \"<region>b\", \"<region>c\"] # default: the region's first three\n");
    out.push_str(
        "  # kubernetes_version = \"1.34\"          # default: the Kubeflow release's default\n",
    );
    out.push_str("  # tags               = { team = \"ml\" } # on every AWS resource\n");
    out.push_str("  # private_dns        = false            # private hosted zones (no public certificates)\n\n");
    out.push_str("  gitops {\n");
    match (&values.github, &values.git_url) {
        (Some(github), _) => out.push_str(&format!("    github = {}\n", quote(github))),
        (None, Some(url)) => out.push_str(&format!("    url    = {}\n", quote(url))),
        (None, None) => {}
    }
    out.push_str(&format!(
        "    branch = {}\n    path   = {} # directory of the Argo CD root application\n  }}\n",
        quote(values.branch.as_deref().unwrap_or("main")),
        quote(&format!("clusters/{}", values.name))
    ));
    out.push_str(
        "\n  # network {\n\
         \x20 #   vpc_cidr               = \"10.10.0.0/16\" # /16 to /20; subnets are derived per zone\n\
         \x20 #   nat_gateways           = \"single\"       # or \"per-az\"\n\
         \x20 #   endpoint_public_access = true\n\
         \x20 #   public_access_cidrs    = [\"0.0.0.0/0\"]\n\
         \x20 # }\n\
         \n\
         \x20 # Without node groups, sakk creates `general`: m6i.2xlarge, 2 to 5 nodes, on-demand.\n\
         \x20 # node_group \"general\" {\n\
         \x20 #   instance_types = [\"m6i.2xlarge\"]\n\
         \x20 #   min_size       = 2\n\
         \x20 #   desired_size   = 2\n\
         \x20 #   max_size       = 5\n\
         \x20 #   capacity_type  = \"on-demand\" # or \"spot\"\n\
         \x20 #   disk_size      = 100         # GiB\n\
         \x20 #   labels         = { workload = \"general\" }\n\
         \x20 #   taints         = [\"dedicated=ml:NoSchedule\"]\n\
         \x20 # }\n\
         \x20 # node_group \"gpu\" {\n\
         \x20 #   instance_types = [\"g5.xlarge\", \"g5.2xlarge\"] # gpu = true is inferred\n\
         \x20 #   capacity_type  = \"spot\"\n\
         \x20 #   max_size       = 4 # scales from zero; tainted nvidia.com/gpu=true:NoSchedule\n\
         \x20 # }\n\
         \n\
         \x20 # Identity: a Cognito user pool by default; or an external OIDC provider:\n\
         \x20 # identity {\n\
         \x20 #   oidc {\n\
         \x20 #     issuer        = \"https://login.example.com\"\n\
         \x20 #     client_id     = \"kubeflow\"\n\
         \x20 #     client_secret = \"arn:aws:secretsmanager:<region>:<account>:secret:kubeflow-oidc\" # an ARN, never the secret\n\
         \x20 #   }\n\
         \x20 # }\n\
         \n\
         \x20 # group \"ml-admins\" { argocd_role = \"admin\" } # built in: administrators, read-only\n",
    );
    if values.users.is_empty() {
        out.push_str(
            "  # user \"ada\" {\n\
             \x20 #   email   = \"ada@example.com\"\n\
             \x20 #   groups  = [\"administrators\"] # default: [\"read-only\"]\n\
             \x20 #   profile = true               # a personal Kubeflow profile (namespace)\n\
             \x20 # }\n",
        );
    } else {
        for (name, email) in &values.users {
            out.push_str(&format!(
                "\n  user {} {{\n    email = {}\n  }}\n",
                quote(name),
                quote(email)
            ));
        }
    }
    out.push_str(
        "\n  # team \"vision\" {                      # a Kubeflow profile with one owner\n\
         \x20 #   owner        = \"ada@example.com\"\n\
         \x20 #   members      = { \"grace@example.com\" = \"edit\" } # edit or view\n\
         \x20 #   aws_policies = [\"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"]\n\
         \x20 #   quota {\n\
         \x20 #     cpu     = \"32\"\n\
         \x20 #     memory  = \"128Gi\"\n\
         \x20 #     gpu     = 4\n\
         \x20 #     storage = \"1Ti\"\n\
         \x20 #   }\n\
         \x20 # }\n\
         \n\
         \x20 # kubeflow { release = \"26.03\" } # or \"v1.10.2\"; `sakk versions` lists components\n\
         \x20 # component \"model-registry\" { enabled = true }\n\
         \x20 # component \"pipelines\" { version = \"2.16.0\" }\n\
         \n\
         \x20 # database \"rds\" { instance_class = \"db.t4g.medium\" } # default: MySQL in the cluster\n\
         \x20 # object_store { bucket = \"my-kfp-artifacts\" }        # default: a bucket sakk creates\n\
         \n\
         \x20 # State: a local file by default; for a team, S3 with a lock:\n\
         \x20 # backend \"s3\" {\n\
         \x20 #   bucket         = \"my-sakk-states\"\n\
         \x20 #   region         = \"us-east-1\"\n\
         \x20 #   dynamodb_table = \"sakk-locks\" # optional: default is an S3 lock object\n\
         \x20 # }\n\
         }\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_file_validates_and_keeps_the_values() {
        let values = NewCluster {
            name: "ml-dev".into(),
            region: "eu-west-1".into(),
            domains: vec!["ml.example.com".into()],
            parent_zone_id: Some("Z0123456789ABCDEFGHIJ".into()),
            acme_email: "ops@example.com".into(),
            github: Some("example-org/ml-platform".into()),
            admins: vec!["arn:aws:iam::123456789012:user/alice".into()],
            users: vec![("ada".into(), "ada@example.com".into())],
            ..NewCluster::default()
        };
        let text = render(&values);
        let session = load_inputs(&[Input {
            name: "ml-dev.hcl".into(),
            bytes: text.into_bytes(),
            dir: ".".into(),
        }]);
        assert!(
            !session.diagnostics.has_errors(),
            "{:?}",
            session.diagnostics
        );
        let model = &session.models[0];
        assert_eq!(model.name, "ml-dev");
        assert_eq!(
            model.gitops.repo_url,
            "https://github.com/example-org/ml-platform.git"
        );
        assert_eq!(model.users.len(), 1);
    }
}
