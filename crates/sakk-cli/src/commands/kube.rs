//! `sakk kubeconfig` and `sakk token`: access to the cluster without the aws CLI.

use super::engine::{connect, runtime, select};
use crate::args::{KubeconfigArgs, TokenArgs};
use crate::output::Printer;
use crate::user_error;
use anyhow::Context;
use sakk_kube::kubeconfig::{self, Entry, Exec};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

/// `sakk kubeconfig`: merges the cluster's entry into the user's kubeconfig.
pub fn kubeconfig(args: &KubeconfigArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let selected = match select(&args.target, printer)? {
        Ok(selected) => selected,
        Err(code) => return Ok(code),
    };
    let model = &selected.model;
    let eks_name = model.names.eks_cluster.clone();
    let cluster = runtime()?.block_on(async {
        let aws = connect(model).await?;
        aws.cloud().eks.cluster(&eks_name).await.map_err(|error| {
            if error.is_not_found() {
                user_error(
                    format!(
                        "EKS cluster `{eks_name}` does not exist in {}",
                        model.region
                    ),
                    "run `sakk apply` first; it creates the cluster",
                )
            } else {
                anyhow::Error::new(error)
                    .context(format!("cannot describe EKS cluster `{eks_name}`"))
            }
        })
    })?;
    let (Some(server), Some(ca)) = (cluster.endpoint, cluster.certificate_authority) else {
        return Err(user_error(
            format!(
                "EKS cluster `{eks_name}` has no endpoint yet (status {})",
                cluster.status
            ),
            "wait until `sakk apply` has finished creating it, then run this again",
        ));
    };
    let command = std::env::current_exe()
        .context("cannot find the path of the running sakk")?
        .to_string_lossy()
        .into_owned();
    let mut env = Vec::new();
    if let Ok(profile) = std::env::var("AWS_PROFILE")
        && !profile.is_empty()
    {
        env.push(("AWS_PROFILE".to_owned(), profile));
    }
    let entry = Entry {
        name: cluster.arn.clone(),
        context: args.alias.clone().unwrap_or_else(|| cluster.arn.clone()),
        server,
        certificate_authority_data: ca,
        exec: Exec {
            command,
            args: vec![
                "token".into(),
                "--cluster".into(),
                eks_name.clone(),
                "--region".into(),
                model.region.clone(),
            ],
            env,
        },
    };
    let path = match &args.kubeconfig {
        Some(path) => path.clone(),
        None => kubeconfig::default_path(std::env::var("KUBECONFIG").ok().as_deref(), &home()?),
    };
    if args.dry_run {
        let (text, _) = kubeconfig::merged(&path, &entry).map_err(kubeconfig_error)?;
        printer.data(&text);
        return Ok(ExitCode::SUCCESS);
    }
    kubeconfig::write(&path, &entry).map_err(kubeconfig_error)?;
    printer.message(&format!(
        "Added context `{}` to {} (current context now). Try: kubectl get namespaces\n",
        entry.context,
        path.display()
    ));
    Ok(ExitCode::SUCCESS)
}

fn kubeconfig_error(error: kubeconfig::KubeconfigError) -> anyhow::Error {
    user_error(
        error.to_string(),
        "fix or move that file, or write another with `--kubeconfig FILE`; nothing was changed",
    )
}

fn home() -> anyhow::Result<PathBuf> {
    std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| {
            user_error(
                "HOME is not set, so there is no ~/.kube/config",
                "name the file with `--kubeconfig FILE` or set KUBECONFIG",
            )
        })
}

/// `sakk token`: prints the cluster's bearer token as an `ExecCredential`.
pub fn token(args: &TokenArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let (credentials, region) = runtime()?.block_on(async {
        let aws = sakk_aws::Aws::connect(args.region.as_deref())
            .await
            .map_err(|error| {
                user_error(
                    error.to_string(),
                    "pass `--region` (the kubeconfig entry written by `sakk kubeconfig` does)",
                )
            })?;
        let credentials = aws.credentials().await.map_err(|error| {
            user_error(
                error.to_string(),
                "set AWS_PROFILE or AWS credentials in the environment for the identity that \
                 may use the cluster",
            )
        })?;
        anyhow::Ok((credentials, aws.region()))
    })?;
    let token = sakk_kube::eks_token(&credentials, &region, &args.cluster, SystemTime::now())
        .map_err(|error| {
            user_error(
                error.to_string(),
                "`--cluster` is the EKS cluster's name and `--region` its region",
            )
        })?;
    let exec_info = std::env::var("KUBERNETES_EXEC_INFO").ok();
    let credential = sakk_kube::exec_credential(&token, exec_info.as_deref()).map_err(|error| {
        user_error(
            error.to_string(),
            "use a kubectl or client library that speaks client.authentication.k8s.io/v1beta1 or v1",
        )
    })?;
    printer.data(&format!("{credential}\n"));
    Ok(ExitCode::SUCCESS)
}
