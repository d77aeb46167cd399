//! `kubectl delete` (and `oc delete`): what goes, read from the resource argument
//! (`ns prod`, `pvc/data-0`, `deploy,pvc`), the bulk selectors (`--all`, `-l`,
//! `--field-selector`, `-A`) and manifests (`-f`, `-k`). Deleting a namespace, a
//! volume or a stateful set loses data; deleting a pod or a deployment does not.

use super::opts::{self, Item, Spec};
use super::Hit;
use crate::model::invocation::Invocation;
use crate::model::Context;
use crate::specs::args::ArgView;

const KUBECTL: Spec = Spec {
    with_value: &[
        "-n",
        "--namespace",
        "--context",
        "--kubeconfig",
        "--cluster",
        "--user",
        "-s",
        "--server",
        "--token",
        "-l",
        "--selector",
        "-f",
        "--filename",
        "-k",
        "--kustomize",
        "-o",
        "--output",
        "--field-selector",
        "--grace-period",
        "--timeout",
        "--cascade",
        "--as",
        "--as-group",
        "--request-timeout",
        "--certificate-authority",
        "--client-certificate",
        "--client-key",
        "--tls-server-name",
        "--wait",
    ],
    attached_only: &[],
    single_dash_long: false,
};

/// Kinds whose deletion takes data (or everything) with it.
const DATA_KINDS: &[&str] = &[
    "namespace",
    "namespaces",
    "ns",
    "project",
    "projects",
    "pv",
    "persistentvolume",
    "persistentvolumes",
    "pvc",
    "persistentvolumeclaim",
    "persistentvolumeclaims",
    "statefulset",
    "statefulsets",
    "sts",
    "all",
    "crd",
    "crds",
    "customresourcedefinition",
    "customresourcedefinitions",
    "volumesnapshot",
    "volumesnapshots",
];

fn is_data_kind(kind: &str) -> bool {
    let k = kind.to_ascii_lowercase();
    // `statefulset.apps`, `persistentvolumeclaims.v1.`
    let base = k.split('.').next().unwrap_or("");
    DATA_KINDS.contains(&base)
}

/// `kube.delete`: `kubectl delete` of a namespace, volume, stateful set, CRD or
/// everything; or a bulk delete by selector, `--all`, or manifest.
pub fn delete(
    inv: &Invocation,
    _view: &ArgView,
    _ctx: &Context,
    _params: super::Params,
) -> Vec<Hit> {
    let items = opts::scan(&inv.args, &KUBECTL);
    let operands: Vec<String> = opts::operands(&items).map(|w| w.text()).collect();
    if operands.first().map(String::as_str) != Some("delete") {
        return Vec::new();
    }
    let dry = items.iter().any(|i| match i {
        Item::Opt { name, value } if name == "--dry-run" => {
            value.as_ref().is_none_or(|v| v.text() != "none")
        }
        _ => i.is(&["--help", "-h"]),
    });
    if dry {
        return Vec::new();
    }
    let ns = opts::values(&items, &["-n", "--namespace"])
        .last()
        .map(|w| format!(" in namespace {}", w.text()))
        .unwrap_or_default();
    let every_ns = items.iter().any(|i| i.is(&["-A", "--all-namespaces"]));
    let scope = if every_ns {
        " in every namespace".to_string()
    } else {
        ns
    };
    let mut what: Vec<String> = Vec::new();
    let rest = &operands[1..];
    if let Some(spec) = rest.first() {
        // `TYPE NAME…`, `TYPE/NAME …`, `TYPE1,TYPE2 …`
        for r in std::iter::once(spec.as_str()).chain(
            rest[1..]
                .iter()
                .map(String::as_str)
                .filter(|s| s.contains('/')),
        ) {
            let (kinds, name) = match r.split_once('/') {
                Some((k, n)) => (k, Some(n)),
                None => (r, None),
            };
            for kind in kinds.split(',') {
                if is_data_kind(kind) {
                    let names = match name {
                        Some(n) => n.to_string(),
                        None => rest[1..]
                            .iter()
                            .filter(|s| !s.contains('/'))
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", "),
                    };
                    what.push(format!("{kind} {names}").trim_end().to_string());
                }
            }
        }
    }
    if items.iter().any(|i| i.is(&["--all"])) {
        what.push(format!(
            "every {} ",
            rest.first().map(String::as_str).unwrap_or("resource")
        ));
    }
    for sel in opts::values(&items, &["-l", "--selector", "--field-selector"]) {
        what.push(format!("everything matching {}", sel.text()));
    }
    for f in opts::values(&items, &["-f", "--filename", "-k", "--kustomize"]) {
        what.push(format!("everything in {}", f.text()));
    }
    if every_ns && what.is_empty() {
        what.push(rest.join(" "));
    }
    if what.is_empty() {
        return Vec::new();
    }
    // One finding per command, naming everything it takes.
    let what: Vec<&str> = what.iter().map(|w| w.trim_end()).collect();
    vec![Hit {
        span: None,
        detail: Some(format!("{}{scope}", what.join("; "))),
    }]
}
