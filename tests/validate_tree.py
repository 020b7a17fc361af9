#!/usr/bin/env python3
"""Validates rendered GitOps trees against the real schemas.

    validate_tree.py TREE_DIR...

Each TREE_DIR holds a rendered tree (`*.yaml`) and, next to every YAML file, a `.json` twin with
the objects the renderer meant to write: the YAML must parse back to exactly that (this checks
sakk's YAML writer). Then every object is validated:

- built-in Kubernetes kinds with kubernetes-validate, strict (unknown fields fail), against the
  Kubernetes version of the tree (`.kubernetes-version` in TREE_DIR);
- custom resources against the upstream CRDs in tests/schemas/ (the `spec`, with
  `additionalProperties: false` added wherever a node declares properties and does not keep
  unknown fields, and OpenAPI `nullable` mapped to JSON Schema);
- ExternalSecret and ClusterSecretStore against tests/schemas-sakk/external-secrets.json;
- kustomize patches inside Applications must parse as YAML, and the Helm `valuesObject` must be a
  mapping.

Any other kind fails. Exit 1 with every problem listed; 0 prints "N passed, 0 failed".
"""
import json
import pathlib
import sys

import jsonschema
import kubernetes_validate
import yaml

HERE = pathlib.Path(__file__).resolve().parent


def close(node):
    """Adds additionalProperties: false where the API server would prune or reject."""
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if node.get("nullable") is True and "type" in node:
        node["type"] = [node["type"], "null"]
    if (
        "properties" in node
        and "additionalProperties" not in node
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        node["additionalProperties"] = False
    if "properties" in node:
        node["properties"] = {key: close(value) for key, value in node["properties"].items()}
    if isinstance(node.get("items"), dict):
        node["items"] = close(node["items"])
    if isinstance(node.get("additionalProperties"), dict):
        node["additionalProperties"] = close(node["additionalProperties"])
    return node


def load_crds():
    schemas = {}
    for path in sorted((HERE / "schemas" / "crds").rglob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if not document:
                continue
            spec = document["spec"]
            for version in spec["versions"]:
                if not version.get("served"):
                    continue
                root = version["schema"]["openAPIV3Schema"]
                key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                schemas[key] = close(root["properties"]["spec"])
    return schemas


def main(directories):
    crds = load_crds()
    local = json.loads((HERE / "schemas-sakk" / "external-secrets.json").read_text())
    local = {("external-secrets.io/v1", kind): schema for kind, schema in local.items()}
    failures = []
    passed = 0
    for directory in map(pathlib.Path, directories):
        kubernetes = (directory / ".kubernetes-version").read_text().strip()
        for path in sorted(directory.rglob("*.yaml")):
            name = f"{directory.name}/{path.relative_to(directory)}"
            documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
            twin = json.loads(path.with_suffix(".json").read_text())
            if documents != [twin]:
                failures.append(f"{name}: the YAML does not parse back to the rendered object")
                continue
            for obj in documents:
                api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
                problems = []
                group = api_version.split("/")[0] if "/" in api_version else ""
                if (api_version, kind) in crds or (api_version, kind) in local:
                    schema = crds.get((api_version, kind)) or local[(api_version, kind)]
                    validator = jsonschema.Draft7Validator(schema)
                    problems = [
                        f"spec.{'.'.join(map(str, error.absolute_path))}: {error.message}"
                        for error in validator.iter_errors(obj.get("spec", {}))
                    ]
                    if set(obj) - {"apiVersion", "kind", "metadata", "spec"}:
                        problems.append(f"unexpected top-level fields {sorted(set(obj) - {'apiVersion', 'kind', 'metadata', 'spec'})}")
                    if kind == "Application":
                        problems += check_application(obj)
                elif "." not in group or group.endswith(".k8s.io"):
                    try:
                        kubernetes_validate.validate(obj, kubernetes, strict=True)
                    except kubernetes_validate.ValidationError as error:
                        problems.append(f"{'.'.join(map(str, error.path))}: {error.message}")
                    except Exception as error:  # unknown kind or version
                        problems.append(str(error))
                else:
                    problems.append(f"no schema for {api_version} {kind}")
                if problems:
                    failures.extend(f"{name}: {kind} {obj.get('metadata', {}).get('name')}: {p}" for p in problems)
                else:
                    passed += 1
    for failure in failures:
        print(failure)
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


def check_application(obj):
    problems = []
    spec = obj["spec"]
    for source in spec.get("sources") or [spec.get("source")]:
        for patch in (source.get("kustomize") or {}).get("patches", []):
            try:
                parsed = yaml.safe_load(patch["patch"])
            except yaml.YAMLError as error:
                problems.append(f"patch does not parse: {error}")
                continue
            if not isinstance(parsed, (dict, list)):
                problems.append("patch is neither a merge patch nor a JSON patch")
        helm = source.get("helm") or {}
        if "valuesObject" in helm and not isinstance(helm["valuesObject"], dict):
            problems.append("valuesObject is not a mapping")
    return problems


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
