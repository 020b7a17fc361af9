//! `sakk versions`: the version table, and what each cluster file overrides.

use crate::args::{Output, VersionsArgs};
use crate::load::load;
use crate::output::Printer;
use sakk_model::catalog::{self, Kind, Source};
use std::process::ExitCode;

fn source_of(info: &catalog::ComponentInfo, release: &catalog::Release) -> String {
    match info.source {
        Source::Chart {
            repository,
            chart,
            version,
        } => match version {
            Some(pinned) => format!("chart {chart} {pinned} ({repository})"),
            None => format!("chart {chart} ({repository})"),
        },
        Source::Manifests => format!(
            "kubeflow/manifests@{}: {}",
            release.name,
            release.paths_of(info.name).join(", ")
        ),
        Source::Rendered => "rendered by sakk".to_owned(),
    }
}

pub fn run(args: &VersionsArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let has_local_files = !args.files.all().is_empty()
        || sakk_config::files::discover(std::path::Path::new("."))
            .map(|found| !found.is_empty())
            .unwrap_or(false);
    if !has_local_files {
        return catalog_table(args.output, printer);
    }
    let session = load(&args.files.all())?;
    if session.diagnostics.has_errors() {
        return Ok(super::validate::report(&session, args.output, printer));
    }
    let mut json_clusters = Vec::new();
    let mut text = String::new();
    for model in &session.models {
        let Some(release) = catalog::release(&model.kubeflow.release) else {
            continue;
        };
        text.push_str(&format!(
            "cluster {}: Kubeflow {} (kubeflow/manifests {}), Kubernetes {}\n",
            model.name, release.name, release.manifests_commit, model.kubernetes_version
        ));
        text.push_str(&format!(
            "  {:<30} {:<9} {:<14} {:<10} source\n",
            "component", "state", "version", "app"
        ));
        let mut rows = Vec::new();
        for component in &model.kubeflow.components {
            let Some(info) = catalog::component(&component.name) else {
                continue;
            };
            let version = if component.version_overridden {
                format!("{}*", component.version)
            } else {
                component.version.clone()
            };
            let app = release.app_version_of(&component.name).unwrap_or("-");
            let state = if component.enabled { "on" } else { "off" };
            text.push_str(&format!(
                "  {:<30} {:<9} {:<14} {:<10} {}\n",
                component.name,
                state,
                version,
                app,
                source_of(info, release)
            ));
            rows.push(serde_json::json!({
                "component": component.name,
                "enabled": component.enabled,
                "version": component.version,
                "overridden": component.version_overridden,
                "default": release.version_of(&component.name, &model.kubernetes_version),
                "app_version": release.app_version_of(&component.name),
                "source": source_of(info, release),
            }));
        }
        text.push_str("  (* set in the cluster file)\n\n");
        json_clusters.push(serde_json::json!({
            "cluster": model.name,
            "release": release.name,
            "manifests_commit": release.manifests_commit,
            "kubernetes": model.kubernetes_version,
            "components": rows,
        }));
    }
    match args.output {
        Output::Human => printer.data(&text),
        Output::Json => printer.data(&format!(
            "{}\n",
            serde_json::to_string_pretty(&json_clusters)?
        )),
    }
    Ok(ExitCode::SUCCESS)
}

fn catalog_table(output: Output, printer: &Printer) -> anyhow::Result<ExitCode> {
    let mut text = String::new();
    let mut releases = Vec::new();
    for release in catalog::RELEASES {
        text.push_str(&format!(
            "Kubeflow {}{} (kubeflow/manifests {}), Kubernetes {} (default {})\n",
            release.name,
            if release.name == catalog::DEFAULT_RELEASE {
                " [default]"
            } else {
                ""
            },
            release.manifests_commit,
            release.kubernetes.join(", "),
            release.default_kubernetes
        ));
        text.push_str(&format!(
            "  {:<30} {:<8} {:<10} {:<14} {:<10} source\n",
            "component", "kind", "default", "version", "app"
        ));
        let mut rows = Vec::new();
        for info in catalog::COMPONENTS {
            let version = release
                .version_of(info.name, release.default_kubernetes)
                .unwrap_or_default();
            let kind = match info.kind {
                Kind::Addon => "add-on",
                Kind::Kubeflow => "kubeflow",
            };
            let default = match info.default {
                catalog::Enablement::Required => "required",
                catalog::Enablement::On => "on",
                catalog::Enablement::Off => "off",
                catalog::Enablement::WithGpu => "with GPU",
            };
            text.push_str(&format!(
                "  {:<30} {:<8} {:<10} {:<14} {:<10} {}\n",
                info.name,
                kind,
                default,
                version,
                release.app_version_of(info.name).unwrap_or("-"),
                source_of(info, release)
            ));
            rows.push(serde_json::json!({
                "component": info.name,
                "kind": kind,
                "default": default,
                "version": version,
                "app_version": release.app_version_of(info.name),
                "source": source_of(info, release),
            }));
        }
        text.push('\n');
        releases.push(serde_json::json!({
            "release": release.name,
            "default": release.name == catalog::DEFAULT_RELEASE,
            "manifests_commit": release.manifests_commit,
            "kubernetes": release.kubernetes,
            "components": rows,
        }));
    }
    text.push_str("The Cluster Autoscaler's version follows the cluster's Kubernetes minor.\n");
    match output {
        Output::Human => printer.data(&text),
        Output::Json => printer.data(&format!("{}\n", serde_json::to_string_pretty(&releases)?)),
    }
    Ok(ExitCode::SUCCESS)
}
