//! The teams: one Kubeflow Profile per profile of the model, its members as RoleBindings and
//! Istio AuthorizationPolicies (the objects KFAM would create), its quota, and its AWS role on
//! the profile's `default-editor` service account. No controller gets to rewrite IAM trust
//! policies: the roles already trust these service accounts (sakk creates them so).

use crate::components::{ROLE_ARN_ANNOTATION, wave};
use crate::{App, Context, RenderError};
use sakk_model::model::{MemberAccess, Profile};
use serde_json::{Value, json};

/// The ingress gateway's identity: only requests through it carry a trusted user header.
const GATEWAY_PRINCIPAL: &str =
    "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account";

/// KFAM's binding name for a member.
fn binding_name(email: &str, access: MemberAccess) -> String {
    let user: String = email
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let role = match access {
        MemberAccess::Edit => "edit",
        MemberAccess::View => "view",
    };
    format!("user-{user}-clusterrole-{role}")
}

fn profile_objects(context: &Context<'_>, profile: &Profile) -> Result<Vec<Value>, RenderError> {
    let mut spec = json!({"owner": {"kind": "User", "name": profile.owner}});
    if let Some(quota) = &profile.quota {
        let mut hard = serde_json::Map::new();
        if let Some(cpu) = &quota.cpu {
            hard.insert("cpu".to_owned(), json!(cpu));
        }
        if let Some(memory) = &quota.memory {
            hard.insert("memory".to_owned(), json!(memory));
        }
        if let Some(gpu) = quota.gpu {
            hard.insert("requests.nvidia.com/gpu".to_owned(), json!(gpu.to_string()));
        }
        if let Some(storage) = &quota.storage {
            hard.insert("requests.storage".to_owned(), json!(storage));
        }
        if !hard.is_empty() {
            spec["resourceQuotaSpec"] = json!({"hard": hard});
        }
    }
    let mut labels = context.labels();
    labels["sakk.dev/profile-kind"] = json!(match profile.kind {
        sakk_model::model::ProfileKind::Team => "team",
        sakk_model::model::ProfileKind::Personal => "personal",
    });
    let mut objects = vec![json!({
        "apiVersion": "kubeflow.org/v1",
        "kind": "Profile",
        "metadata": {"name": profile.name, "labels": labels},
        "spec": spec,
    })];
    // The namespace is created by the profile controller: these objects come after the Profile.
    let later = json!({"argocd.argoproj.io/sync-wave": "1"});
    let role = match &profile.iam_role {
        Some(_) => Some(
            context
                .outputs
                .profile_role_arns
                .get(&profile.name)
                .cloned()
                .ok_or_else(|| RenderError::MissingOutput {
                    what: format!("role ARN of profile `{}` (profile_role_arns)", profile.name),
                })?,
        ),
        None if context.enabled("pipelines") => Some(context.role_arn("pipelines")?.to_owned()),
        None => None,
    };
    if let Some(role) = role {
        let mut annotations = later.clone();
        annotations[ROLE_ARN_ANNOTATION] = json!(role);
        objects.push(json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {
                "name": "default-editor",
                "namespace": profile.name,
                "labels": context.labels(),
                "annotations": annotations,
            },
        }));
    }
    for member in &profile.members {
        let name = binding_name(&member.email, member.access);
        let (role, cluster_role) = match member.access {
            MemberAccess::Edit => ("edit", "kubeflow-edit"),
            MemberAccess::View => ("view", "kubeflow-view"),
        };
        let mut annotations = later.clone();
        annotations["role"] = json!(role);
        annotations["user"] = json!(member.email);
        objects.push(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {
                "name": name,
                "namespace": profile.name,
                "labels": context.labels(),
                "annotations": annotations.clone(),
            },
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_role},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": member.email}],
        }));
        objects.push(json!({
            "apiVersion": "security.istio.io/v1",
            "kind": "AuthorizationPolicy",
            "metadata": {
                "name": name,
                "namespace": profile.name,
                "labels": context.labels(),
                "annotations": annotations,
            },
            "spec": {
                "action": "ALLOW",
                "rules": [{
                    "from": [{"source": {"principals": [GATEWAY_PRINCIPAL]}}],
                    "when": [{"key": "request.headers[kubeflow-userid]", "values": [member.email]}],
                }],
            },
        }));
    }
    Ok(objects)
}

/// The `teams` application (absent when the model has no profile).
pub fn teams(context: &Context<'_>) -> Result<Vec<App>, RenderError> {
    if context.model.profiles.is_empty() {
        return Ok(Vec::new());
    }
    let mut objects = Vec::new();
    for profile in &context.model.profiles {
        objects.extend(profile_objects(context, profile)?);
    }
    let mut needs = vec!["profiles".to_owned(), "kubeflow-base".to_owned()];
    if context.enabled("pipelines") {
        needs.push("pipelines".to_owned());
    }
    needs.sort();
    Ok(vec![App {
        name: "teams".to_owned(),
        component: None,
        wave: wave::TEAMS,
        needs,
        namespace: "kubeflow".to_owned(),
        sources: Vec::new(),
        objects,
        patches: Vec::new(),
        ignore_differences: Vec::new(),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_names_follow_kfam() {
        assert_eq!(
            binding_name("Ada.Lovelace@example.com", MemberAccess::Edit),
            "user-ada-lovelace-example-com-clusterrole-edit"
        );
    }
}
