#!/usr/bin/env python3
"""Inventories of what each pinned upstream source builds, for the convergence check.

For every kubeflow/manifests commit and every Helm chart version the version table
(crates/sakk-model/src/catalog.rs) pins, this builds the source offline (`kubectl kustomize`,
`helm template`) and records facts about each object it makes: apiVersion, kind, namespace,
name, the annotations that matter to Argo CD's order and to the checks, and a few fields per
kind (a CRD's group/kind/scope, a Service's type, a webhook's rules, a Certificate's issuer,
an ExternalSecret's store and keys). Facts only: no manifest is written.

Helm charts: objects are rendered with the chart's defaults; each entry of CHART_PROBES is a
value the tree may set that changes which objects exist (recorded as `when`) or a field of an
object (recorded as a `binding`, checked here by rendering with a probe value).

Usage (see docs/gitops.md, "Convergence check"):

    scripts/inventory/generate.py --mirror /work/.mirror [--tools /root/.cache/sakk-tools]

`--mirror` is a directory of bare git repositories named `<owner>+<name>/repo` (what the
session's fetch tool writes) holding kubeflow/manifests, the chart repositories and the remote
kustomize bases. Nothing is written outside crates/sakk-gitops/inventory/ and a temp dir.
"""

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CATALOG = os.path.join(ROOT, "crates/sakk-model/src/catalog.rs")
OUT = os.path.join(ROOT, "crates/sakk-gitops/inventory")
RELEASE_NS = "sakk-release-namespace"

# Annotations that matter to the check (everything else is dropped).
ANNOTATIONS = {
    "argocd.argoproj.io/sync-wave",
    "argocd.argoproj.io/hook",
    "argocd.argoproj.io/sync-options",
    "helm.sh/hook",
    "helm.sh/hook-weight",
    "service.beta.kubernetes.io/aws-load-balancer-type",
    "eks.amazonaws.com/role-arn",
    "cert-manager.io/inject-ca-from",
}

# Where each chart lives: repository -> (mirror name, path in it, how its version is tagged).
CHARTS = {
    "argo-cd": ("argoproj+argo-helm", "charts/argo-cd", "argo-cd-{v}"),
    "aws-load-balancer-controller": ("aws+eks-charts", "stable/aws-load-balancer-controller", None),
    "cert-manager": ("cert-manager+cert-manager", "deploy/charts/cert-manager", "{v}"),
    "external-dns": ("kubernetes-sigs+external-dns", "charts/external-dns", "external-dns-helm-chart-{v}"),
    "external-secrets": ("external-secrets+external-secrets", "deploy/charts/external-secrets", "helm-chart-{v}"),
    "cluster-autoscaler": ("kubernetes+autoscaler", "cluster-autoscaler/charts/cluster-autoscaler", "cluster-autoscaler-chart-{v}"),
    "nvidia-device-plugin": ("NVIDIA+k8s-device-plugin", "deployments/helm/nvidia-device-plugin", "v{v}"),
}

# Values that change which objects a chart makes (`when`), and object fields that come from
# values (`binding`: the field of the object is the value at `path`).
CHART_PROBES = {
    "argo-cd": {
        "when": [("server.ingress.enabled", True)],
        "bindings": [
            ("Service", "argo-cd-argocd-server", "type", "server.service.type", "LoadBalancer"),
            ("Service", "argo-cd-argocd-server", "annotations", "server.service.annotations", {"x.sakk.dev/probe": "1"}),
        ],
    },
    "aws-load-balancer-controller": {
        "when": [("enableServiceMutatorWebhook", False), ("enableCertManager", True)],
        "bindings": [
            ("ServiceAccount", "aws-load-balancer-controller", "annotations", "serviceAccount.annotations", {"x.sakk.dev/probe": "1"}),
        ],
        "values": {"clusterName": "probe"},
    },
    "cert-manager": {
        "when": [("crds.enabled", True)],
        "bindings": [
            ("ServiceAccount", "cert-manager", "annotations", "serviceAccount.annotations", {"x.sakk.dev/probe": "1"}),
        ],
    },
    "external-dns": {
        "when": [],
        "bindings": [
            ("ServiceAccount", "external-dns", "annotations", "serviceAccount.annotations", {"x.sakk.dev/probe": "1"}),
        ],
    },
    "external-secrets": {
        "when": [("installCRDs", False)],
        "bindings": [
            ("ServiceAccount", "external-secrets", "annotations", "serviceAccount.annotations", {"x.sakk.dev/probe": "1"}),
        ],
    },
    "cluster-autoscaler": {
        "when": [],
        "bindings": [
            ("ServiceAccount", "cluster-autoscaler", "annotations", "rbac.serviceAccount.annotations", {"x.sakk.dev/probe": "1"}),
        ],
        "values": {"autoDiscovery": {"clusterName": "probe"}, "rbac": {"serviceAccount": {"name": "cluster-autoscaler"}}},
    },
    "nvidia-device-plugin": {"when": [], "bindings": []},
}

# Remote kustomize bases and where their content is in the mirror.
REMOTE = [
    (re.compile(r"^https://github\.com/([^/]+)/([^/]+?)(?:\.git)?//?([^?]*)\?ref=(.+)$"), "tree"),
    (re.compile(r"^https://github\.com/([^/]+)/([^/]+)/releases/download/([^/]+)/manifests\.yaml$"), "release"),
]


def run(args, cwd=None, check=True):
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {result.stderr.strip()[:2000]}")
    return result


def catalog():
    """(releases: [(name, commit, {component: [paths]}, {component: version})], chart pins)."""
    text = open(CATALOG, encoding="utf-8").read()
    charts = {}
    for match in re.finditer(r'name: "([a-z0-9-]+)",.*?source: Source::(\w+)(.*?)images:', text, re.S):
        name, kind, rest = match.groups()
        if kind == "Chart":
            fixed = re.search(r"version: Some\((\w+)\)", rest)
            if fixed:
                const = re.search(rf'pub const {fixed.group(1)}: &str = "([^"]+)";', text).group(1)
                charts[name] = const
            else:
                charts[name] = None
    releases = []
    for block in re.split(r"\n    Release \{", text)[1:]:
        name = re.search(r'name: "([^"]+)"', block).group(1)
        commit = re.search(r'manifests_commit: "([0-9a-f]{40})"', block).group(1)
        versions = dict(re.findall(r'\("([a-z0-9-]+)", "([^"]+)"\)', block.split("app_versions")[0]))
        paths = {}
        section = block.split("manifests_paths:")[1]
        for comp, body in re.findall(r'\(\s*"([a-z0-9-]+)",\s*&\[(.*?)\]', section, re.S):
            paths[comp] = re.findall(r'"([^"]+)"', body)
        releases.append((name, commit, paths, versions))
    return releases, charts


def mirror_git(mirror, name):
    for candidate in (os.path.join(mirror, name, "repo"), os.path.join(mirror, name)):
        if os.path.isdir(os.path.join(candidate, "objects")):
            return candidate
    return None


def checkout(git_dir, rev, dest, sub=None):
    os.makedirs(dest, exist_ok=True)
    archive = subprocess.Popen(["git", f"--git-dir={git_dir}", "archive", rev] + ([sub] if sub else []),
                               stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", dest], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise RuntimeError(f"git archive {rev} failed in {git_dir}")


def facts(doc, release_namespace=None):
    """The facts of one object."""
    meta = doc.get("metadata") or {}
    fact = {"apiVersion": doc.get("apiVersion", ""), "kind": doc.get("kind", ""), "name": meta.get("name", "")}
    namespace = meta.get("namespace")
    if namespace:
        fact["namespace"] = "{release}" if namespace == release_namespace else namespace
    annotations = {k: str(v) for k, v in (meta.get("annotations") or {}).items() if k in ANNOTATIONS}
    if annotations:
        fact["annotations"] = annotations
    kind, spec = fact["kind"], doc.get("spec") or {}
    if kind == "CustomResourceDefinition":
        names = spec.get("names") or {}
        fact["crd"] = {"group": spec.get("group", ""), "kind": names.get("kind", ""),
                       "plural": names.get("plural", ""), "scope": spec.get("scope", "Namespaced")}
    elif kind == "Service":
        fact["type"] = spec.get("type", "ClusterIP")
        if spec.get("loadBalancerClass"):
            fact["loadBalancerClass"] = spec["loadBalancerClass"]
    elif kind == "Ingress":
        fact["ingressClassName"] = spec.get("ingressClassName", "")
    elif kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        hooks = []
        for hook in doc.get("webhooks") or []:
            service = ((hook.get("clientConfig") or {}).get("service") or {})
            rules = []
            for rule in hook.get("rules") or []:
                rules.append({"apiGroups": sorted(rule.get("apiGroups") or []),
                              "resources": sorted(rule.get("resources") or [])})
            entry = {"name": hook.get("name", ""), "failurePolicy": hook.get("failurePolicy", "Fail"),
                     "rules": rules}
            if service:
                ns = service.get("namespace", "")
                entry["service"] = ("{release}" if ns == release_namespace else ns) + "/" + service.get("name", "")
            hooks.append(entry)
        fact["webhooks"] = hooks
    elif kind == "Certificate":
        ref = spec.get("issuerRef") or {}
        fact["issuer"] = {"kind": ref.get("kind", "Issuer"), "name": ref.get("name", "")}
    elif kind == "ExternalSecret":
        ref = spec.get("secretStoreRef") or {}
        keys = sorted({(d.get("remoteRef") or {}).get("key", "") for d in spec.get("data") or []}
                      | {(d.get("extract") or {}).get("key", "") for d in spec.get("dataFrom") or []} - {""})
        fact["store"] = {"kind": ref.get("kind", "SecretStore"), "name": ref.get("name", "")}
        fact["keys"] = keys
    return fact


def key(fact):
    return (fact["kind"], fact.get("namespace", ""), fact["name"], fact["apiVersion"])


def documents(text):
    out = []
    for doc in yaml.safe_load_all(text):
        if not isinstance(doc, dict) or not doc.get("kind"):
            continue
        if doc["kind"] == "List":
            out.extend(item for item in doc.get("items") or [] if isinstance(item, dict))
        else:
            out.append(doc)
    return out


def resolve_remote(root, mirror, work):
    """Replaces remote kustomize resources under `root` by local copies from the mirror.
    Returns (resolved, unresolved) lists of URLs."""
    resolved, unresolved = [], []
    for directory, _, files in os.walk(root):
        for file in files:
            if file not in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
                continue
            path = os.path.join(directory, file)
            raw = open(path, encoding="utf-8").read()
            if "https://" not in raw:
                continue
            data = yaml.safe_load(raw) or {}
            changed = False
            for field in ("resources", "bases", "components"):
                items = data.get(field) or []
                for index, item in enumerate(list(items)):
                    if not isinstance(item, str) or not item.startswith("https://"):
                        continue
                    local = None
                    for pattern, shape in REMOTE:
                        match = pattern.match(item)
                        if not match:
                            continue
                        owner, name = match.group(1), match.group(2)
                        git_dir = mirror_git(mirror, f"{owner}+{name}")
                        if not git_dir:
                            break
                        if shape == "tree":
                            sub, ref = match.group(3).strip("/"), match.group(4)
                            dest = os.path.join(work, f"{owner}+{name}@{ref}")
                            if not os.path.isdir(dest):
                                checkout(git_dir, ref, dest)
                            local = os.path.join(dest, sub)
                        else:
                            # A release asset is not in git: it is built from config/default at
                            # the tag (what the release workflow publishes, without its image pin).
                            ref = match.group(3)
                            dest = os.path.join(work, f"{owner}+{name}@{ref}")
                            if not os.path.isdir(dest):
                                checkout(git_dir, ref, dest)
                            built = os.path.join(work, f"{owner}+{name}@{ref}.yaml")
                            out = run(["kubectl", "kustomize", os.path.join(dest, "config/default")])
                            open(built, "w", encoding="utf-8").write(out.stdout)
                            local = built
                        break
                    if local and os.path.exists(local):
                        items[index] = os.path.relpath(local, directory)
                        resolved.append(item)
                    else:
                        items[index] = None
                        unresolved.append(item)
                    changed = True
                if changed:
                    data[field] = [item for item in items if item is not None]
            if changed:
                open(path, "w", encoding="utf-8").write(yaml.safe_dump(data))
    return sorted(set(resolved)), sorted(set(unresolved))


def manifests_inventory(mirror, commit, paths, work):
    git_dir = mirror_git(mirror, "kubeflow+manifests")
    if not git_dir:
        raise RuntimeError("kubeflow/manifests is not in the mirror")
    root = os.path.join(work, f"manifests-{commit}")
    checkout(git_dir, commit, root)
    resolved, unresolved = resolve_remote(root, mirror, work)
    inventory = {}
    for path in sorted({p for ps in paths.values() for p in ps}):
        out = run(["kubectl", "kustomize", "--load-restrictor=LoadRestrictionsNone", os.path.join(root, path)])
        objects = sorted((facts(doc) for doc in documents(out.stdout)), key=key)
        inventory[path] = {"objects": objects}
    return {"source": "https://github.com/kubeflow/manifests.git", "commit": commit,
            "remote_resolved": resolved, "remote_unresolved": unresolved, "paths": inventory}


def set_path(values, dotted, value):
    parts = dotted.split(".")
    cursor = values
    for part in parts[:-1]:
        cursor = cursor.setdefault(part, {})
    cursor[parts[-1]] = value


def helm_template(helm, chart_dir, values, work, release):
    values_file = os.path.join(work, "values.json")
    open(values_file, "w", encoding="utf-8").write(json.dumps(values))
    out = run([helm, "template", release, chart_dir, "--namespace", RELEASE_NS, "--include-crds",
               "--kube-version", "1.34.0", "-f", values_file])
    return documents(out.stdout)


def chart_inventory(helm, mirror, chart, version, work):
    mirror_name, sub, tag = CHARTS[chart]
    git_dir = mirror_git(mirror, mirror_name)
    if not git_dir:
        raise RuntimeError(f"{mirror_name} is not in the mirror")
    if tag:
        rev = tag.format(v=version)
    else:
        # eks-charts has no tags: the commit whose Chart.yaml has this version.
        log = run(["git", f"--git-dir={git_dir}", "log", "--format=%H", f"-S{'version: ' + version}",
                   "--", f"{sub}/Chart.yaml"]).stdout.split()
        rev = next(c for c in log if f"\nversion: {version}\n" in
                   run(["git", f"--git-dir={git_dir}", "show", f"{c}:{sub}/Chart.yaml"]).stdout)
    commit = run(["git", f"--git-dir={git_dir}", "rev-parse", f"{rev}^{{commit}}"]).stdout.strip()
    dest = os.path.join(work, f"{chart}-{version}")
    checkout(git_dir, commit, dest, sub)
    chart_dir = os.path.join(dest, sub)
    template = os.path.join(chart_dir, "Chart.template.yaml")
    if os.path.exists(template):
        # cert-manager's chart is versioned by its release build.
        text = open(template, encoding="utf-8").read().replace("v0.1.0", version)
        open(os.path.join(chart_dir, "Chart.yaml"), "w", encoding="utf-8").write(text)
    chart_yaml = os.path.join(chart_dir, "Chart.yaml")
    meta = yaml.safe_load(open(chart_yaml, encoding="utf-8"))
    dropped = [d["name"] for d in meta.get("dependencies") or []]
    if dropped:
        # Subcharts (argo-cd's redis-ha) are off by default and not vendored in git.
        meta.pop("dependencies")
        open(chart_yaml, "w", encoding="utf-8").write(yaml.safe_dump(meta))
    probes = CHART_PROBES[chart]
    base_values = probes.get("values", {})
    base = {key(f): f for f in (facts(d, RELEASE_NS) for d in helm_template(helm, chart_dir, base_values, work, chart))}
    objects = {k: dict(v) for k, v in base.items()}
    for path, value in probes["when"]:
        values = copy.deepcopy(base_values)
        set_path(values, path, value)
        probed = {key(f): f for f in (facts(d, RELEASE_NS) for d in helm_template(helm, chart_dir, values, work, chart))}
        for k in base.keys() - probed.keys():
            objects[k].setdefault("unless", {})[path] = value
        for k in probed.keys() - base.keys():
            entry = dict(probed[k])
            entry.setdefault("when", {})[path] = value
            objects[k] = entry
    bindings = []
    for kind, name, field, path, probe in probes["bindings"]:
        values = copy.deepcopy(base_values)
        set_path(values, path, probe)
        rendered = [d for d in helm_template(helm, chart_dir, values, work, chart)
                    if d.get("kind") == kind and (d.get("metadata") or {}).get("name") == name]
        if not rendered:
            raise RuntimeError(f"{chart} {version}: no {kind}/{name} to bind {path}")
        doc = rendered[0]
        got = (doc.get("metadata") or {}).get("annotations") if field == "annotations" else (doc.get("spec") or {}).get(field)
        ok = all(str((got or {}).get(k)) == v for k, v in probe.items()) if isinstance(probe, dict) else got == probe
        if not ok:
            raise RuntimeError(f"{chart} {version}: {path} does not set {kind}/{name} {field}")
        bindings.append({"kind": kind, "name": name, "field": field, "values": path})
    return {"source": CATALOG_REPOS[chart], "chart": chart, "version": version, "commit": commit,
            "path": sub, "subcharts_dropped": dropped, "namespace_token": "{release}",
            "bindings": bindings, "objects": sorted(objects.values(), key=key)}


CATALOG_REPOS = {}


def write(name, data):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    # Compact and sorted; one object per line keeps diffs readable.
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    text = text.replace('},{"apiVersion"', '},\n{"apiVersion"')
    open(path, "w", encoding="utf-8").write(text + "\n")
    print(f"wrote {os.path.relpath(path, ROOT)}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mirror", default="/work/.mirror")
    parser.add_argument("--only", choices=["manifests", "charts"], help="regenerate one kind")
    parser.add_argument("--tools", default=os.path.expanduser("~/.cache/sakk-tools"))
    args = parser.parse_args()
    helm = shutil.which("helm") or os.path.join(args.tools, "helm")
    if not os.path.exists(helm):
        sys.exit(f"no helm: GOBIN={args.tools} go install helm.sh/helm/v3/cmd/helm@v3.17.3")
    releases, charts = catalog()
    text = open(CATALOG, encoding="utf-8").read()
    for name in charts:
        CATALOG_REPOS[name] = re.search(rf'name: "{name}",.*?repository: "([^"]+)"', text, re.S).group(1)
    with tempfile.TemporaryDirectory(prefix="sakk-inventory-") as work:
        pins = set()
        for release, commit, paths, versions in releases:
            if args.only != "charts":
                write(f"manifests-{commit}.json", manifests_inventory(args.mirror, commit, paths, work))
            for chart, fixed in charts.items():
                pins.add((chart, fixed or versions[chart]))
        for chart, version in sorted(pins):
            if args.only == "manifests":
                continue
            write(f"chart-{chart}-{version}.json", chart_inventory(helm, args.mirror, chart, version, work))


if __name__ == "__main__":
    main()
