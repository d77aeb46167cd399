//! Compiles the built-in policy packs (`policies/*.toml`) into Rust statics (without
//! their examples), included by `src/policy/mod.rs`: loading them then costs nothing,
//! where parsing TOML with hundreds of examples would cost more than a decision.

use std::fmt::Write as _;
use std::path::Path;

#[path = "src/model/decision.rs"]
#[allow(dead_code)]
mod decision;
use decision::Decision;

#[path = "src/policy/defs.rs"]
#[allow(dead_code)]
mod defs;

#[path = "src/specs/wrapper_defs.rs"]
#[allow(dead_code)]
mod wrapper_defs;

fn list(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
    format!("&[{}]", items.join(", "))
}

fn opt(v: &Option<String>) -> String {
    match v {
        Some(s) => format!("Some({s:?})"),
        None => "None".to_string(),
    }
}

fn main() {
    // A position-dependent binary needs no load-time relocations of the compiled
    // policy tables: every agent command pays the start-up, so it is kept small.
    let static_crt = std::env::var("CARGO_CFG_TARGET_FEATURE")
        .is_ok_and(|f| f.split(',').any(|f| f == "crt-static"));
    if !static_crt {
        println!("cargo:rustc-link-arg-bins=-no-pie");
        println!("cargo:rustc-link-arg-bins=-Wl,-z,lazy");
    }
    println!("cargo:rerun-if-changed=policies");
    let mut files: Vec<_> = std::fs::read_dir("policies")
        .expect("policies/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("toml"))
        // The wrapper table is not a rule pack: compiled on its own below.
        .filter(|p| p.file_name().and_then(|n| n.to_str()) != Some(WRAPPERS_FILE))
        .collect();
    files.sort();
    let mut out = String::from("pub static BUILTIN: &[StaticPack] = &[\n");
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let text = std::fs::read_to_string(&path).expect("read pack");
        let pack: defs::PackFile = match toml::from_str(&text) {
            Ok(p) => p,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        let _ = writeln!(out, "StaticPack {{ name: {name:?}, programs: &[");
        for p in &pack.program {
            let _ = writeln!(
                out,
                "StaticProgram {{ names: {}, options_with_value: {}, single_dash_long: {}, long_prefixes: {}, subcommand_options: &[{}] }},",
                list(&p.names),
                list(&p.options_with_value),
                p.single_dash_long,
                p.long_prefixes,
                p.subcommand_options
                    .iter()
                    .map(|(k, v)| format!("({k:?}, {})", list(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        out.push_str("], rules: &[\n");
        for r in &pack.rule {
            let decision = match r.decision {
                Decision::Allow => "Allow",
                Decision::Confirm => "Confirm",
                Decision::Deny => "Deny",
            };
            let _ = writeln!(
                out,
                "RuleSpec {{ id: {:?}, decision: Decision::{decision}, reason: {:?}, suggestion: {}, matches: &[",
                r.id,
                r.reason,
                opt(&r.suggestion)
            );
            for m in &r.matches {
                let command: Vec<String> = m
                    .command
                    .iter()
                    .map(|c| match c {
                        defs::OneOrMany::One(x) => list(std::slice::from_ref(x)),
                        defs::OneOrMany::Many(v) => list(v),
                    })
                    .collect();
                let with: Vec<String> = m
                    .with
                    .iter()
                    .map(|(k, v)| format!("({k:?}, {:?})", defs::param_text(v)))
                    .collect();
                let _ = writeln!(
                    out,
                    "Matcher {{ program: {}, command: &[{}], flags_any: {}, flags_all: {}, flags_none: {}, args_any: {}, args_all: {}, args_none: {}, check: {}, with: &[{}], event: {} }},",
                    list(&m.program),
                    command.join(", "),
                    list(&m.flags_any),
                    list(&m.flags_all),
                    list(&m.flags_none),
                    list(&m.args_any),
                    list(&m.args_all),
                    list(&m.args_none),
                    opt(&m.check),
                    with.join(", "),
                    opt(&m.event)
                );
            }
            out.push_str("] },\n");
        }
        out.push_str("] },\n");
    }
    out.push_str("];\n");
    let dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(Path::new(&dir).join("builtin_policies.rs"), out).expect("write statics");
    std::fs::write(Path::new(&dir).join("builtin_wrappers.rs"), wrappers()).expect("write");
}

const WRAPPERS_FILE: &str = "wrappers.toml";

/// `policies/wrappers.toml` as `specs::wrappers::WRAPPERS` (without the examples).
fn wrappers() -> String {
    let path = Path::new("policies").join(WRAPPERS_FILE);
    let text = std::fs::read_to_string(&path).expect("read wrappers");
    let file: wrapper_defs::WrapperFile = match toml::from_str(&text) {
        Ok(f) => f,
        Err(e) => panic!("{}: {e}", path.display()),
    };
    let mut out = String::from("pub static WRAPPERS: &[StaticWrapper] = &[\n");
    for w in &file.wrapper {
        let runs = match w.runs.as_str() {
            "rest" => "Rest",
            "each" => "Each",
            "exec" => "Exec",
            "data" => "Data",
            other => panic!("{}: unknown `runs = {other:?}`", path.display()),
        };
        let _ = writeln!(
            out,
            "StaticWrapper {{ names: {}, runs: Runs::{runs}, subcommands: {}, options_with_value: {}, operands: {}, code_options: {}, command_options: {}, after_dashes: {}, assignments: {}, exec_options: {}, batch_options: {} }},",
            list(&w.names),
            list(&w.subcommands),
            list(&w.options_with_value),
            w.operands,
            list(&w.code_options),
            list(&w.command_options),
            w.after_dashes,
            w.assignments,
            list(&w.exec_options),
            list(&w.batch_options),
        );
    }
    out.push_str("];\n");
    out
}
