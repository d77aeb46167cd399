//! Compiles the built-in rule packs (`policies/*.toml`) into Rust code that builds
//! them directly: the agent shell loads them on every command an agent runs, and
//! parsing them (TOML, or even JSON) was most of its start-up time. The TOML files
//! stay the source of truth; `tests/policies.rs` checks the two agree.
//!
//! A pack that uses a key this generator does not know is embedded as JSON instead
//! (and a build warning says so), so a new field never breaks the build.

use std::fmt::Write as _;
use std::path::Path;
use toml::Value;

fn main() {
    println!("cargo:rerun-if-changed=policies");
    // A position-dependent executable needs no relocating at start-up (the agent
    // shell starts once per command).
    println!("cargo:rustc-link-arg-bins=-no-pie");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut names: Vec<String> = std::fs::read_dir("policies")
        .expect("policies/ is readable")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    let mut code = String::from(
        "pub(super) fn generated(name: &str, examples: bool) -> Option<PackFile> {\n    match name {\n",
    );
    let mut json = String::from("pub(super) const JSON: &[(&str, &str)] = &[\n");
    for name in &names {
        let src = Path::new("policies").join(format!("{name}.toml"));
        println!("cargo:rerun-if-changed={}", src.display());
        let text = std::fs::read_to_string(&src).expect("pack is readable");
        let value: Value = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not valid TOML: {e}", src.display()));
        match pack(&value) {
            Ok(body) => {
                let _ = writeln!(code, "        {name:?} => Some({body}),");
            }
            Err(key) => {
                println!(
                    "cargo:warning=policies/{name}.toml uses `{key}`, which build.rs does not compile; it is parsed from JSON at run time (slower agent-shell start-up)"
                );
                let j = serde_json::to_string(&value).expect("TOML values convert to JSON");
                let _ = writeln!(json, "    ({name:?}, {j:?}),");
            }
        }
    }
    code.push_str("        _ => None,\n    }\n}\n");
    json.push_str("];\n");
    std::fs::write(Path::new(&out).join("builtin_packs.rs"), code + &json)
        .expect("OUT_DIR is writable");
}

type Gen = Result<String, String>;

fn table<'a>(v: &'a Value, allowed: &[&str], at: &str) -> Result<&'a toml::Table, String> {
    let t = v.as_table().ok_or_else(|| format!("{at} (not a table)"))?;
    match t.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!("{at}.{k}")),
        None => Ok(t),
    }
}

fn pack(v: &Value) -> Gen {
    let t = table(v, &["program", "rule"], "pack")?;
    let programs = list(t.get("program"), program)?;
    let rules = list(t.get("rule"), rule)?;
    Ok(format!(
        "PackFile {{ program: vec![{programs}], rule: vec![{rules}] }}"
    ))
}

fn list(v: Option<&Value>, item: fn(&Value) -> Gen) -> Gen {
    let Some(v) = v else { return Ok(String::new()) };
    let a = v.as_array().ok_or("a list")?;
    Ok(a.iter()
        .map(item)
        .collect::<Result<Vec<_>, _>>()?
        .join(", "))
}

fn program(v: &Value) -> Gen {
    let t = table(
        v,
        &["names", "options_with_value", "single_dash_long"],
        "program",
    )?;
    Ok(format!(
        "ProgramSpec {{ names: {}, options_with_value: {}, single_dash_long: {} }}",
        strings(t.get("names"))?,
        strings(t.get("options_with_value"))?,
        t.get("single_dash_long")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    ))
}

fn rule(v: &Value) -> Gen {
    let t = table(
        v,
        &[
            "id",
            "decision",
            "reason",
            "suggestion",
            "match",
            "examples",
        ],
        "rule",
    )?;
    let decision = match t.get("decision").and_then(Value::as_str) {
        Some("allow") => "Allow",
        Some("confirm") => "Confirm",
        Some("deny") => "Deny",
        _ => return Err("rule.decision".into()),
    };
    // Examples are for tests and `interlock policy test`; deciding does not need them.
    let ex = match t.get("examples") {
        Some(e) => {
            let e = table(e, &["stop", "pass"], "rule.examples")?;
            format!(
                "if examples {{ Examples {{ stop: {}, pass: {} }} }} else {{ Examples::default() }}",
                strings(e.get("stop"))?,
                strings(e.get("pass"))?
            )
        }
        None => "Examples::default()".into(),
    };
    Ok(format!(
        "RuleDef {{ id: {}, decision: Decision::{decision}, reason: {}, suggestion: {}, matches: vec![{}], examples: {ex} }}",
        string(t.get("id"))?,
        string(t.get("reason"))?,
        optional(t.get("suggestion"))?,
        list(t.get("match"), matcher)?,
    ))
}

fn matcher(v: &Value) -> Gen {
    let t = table(
        v,
        &[
            "program",
            "command",
            "flags_any",
            "flags_all",
            "flags_none",
            "args_any",
            "args_none",
            "check",
            "with",
            "event",
        ],
        "rule.match",
    )?;
    let command = match t.get("command") {
        None => String::new(),
        Some(c) => c
            .as_array()
            .ok_or("rule.match.command")?
            .iter()
            .map(|level| match level {
                Value::String(s) => Ok(format!("OneOrMany::One(s({s:?}))")),
                other => Ok(format!("OneOrMany::Many({})", strings(Some(other))?)),
            })
            .collect::<Result<Vec<_>, String>>()?
            .join(", "),
    };
    let with = match t.get("with") {
        None => "toml::Table::new()".to_string(),
        Some(w) => {
            let w = w.as_table().ok_or("rule.match.with")?;
            let entries = w
                .iter()
                .map(|(k, v)| Ok(format!("({k:?}, {})", value(v)?)))
                .collect::<Result<Vec<_>, String>>()?;
            format!("with(vec![{}])", entries.join(", "))
        }
    };
    Ok(format!(
        "MatchDef {{ program: {}, command: vec![{command}], flags_any: {}, flags_all: {}, flags_none: {}, args_any: {}, args_none: {}, check: {}, with: {with}, event: {} }}",
        strings(t.get("program"))?,
        strings(t.get("flags_any"))?,
        strings(t.get("flags_all"))?,
        strings(t.get("flags_none"))?,
        strings(t.get("args_any"))?,
        strings(t.get("args_none"))?,
        optional(t.get("check"))?,
        optional(t.get("event"))?,
    ))
}

/// A `with` value as a `toml::Value` expression.
fn value(v: &Value) -> Gen {
    Ok(match v {
        Value::String(s) => format!("toml::Value::String(s({s:?}))"),
        Value::Integer(i) => format!("toml::Value::Integer({i})"),
        Value::Boolean(b) => format!("toml::Value::Boolean({b})"),
        Value::Array(a) => format!(
            "toml::Value::Array(vec![{}])",
            a.iter()
                .map(value)
                .collect::<Result<Vec<_>, _>>()?
                .join(", ")
        ),
        _ => {
            return Err(
                "rule.match.with (a value that is not a string, number, bool or list)".into(),
            )
        }
    })
}

fn string(v: Option<&Value>) -> Gen {
    match v.and_then(Value::as_str) {
        Some(s) => Ok(format!("s({s:?})")),
        None => Err("a required string".into()),
    }
}

fn optional(v: Option<&Value>) -> Gen {
    match v {
        None => Ok("None".into()),
        Some(_) => Ok(format!("Some({})", string(v)?)),
    }
}

fn strings(v: Option<&Value>) -> Gen {
    let Some(v) = v else {
        return Ok("Vec::new()".into());
    };
    let a = v.as_array().ok_or("a list of strings")?;
    let items = a
        .iter()
        .map(|x| {
            x.as_str()
                .map(|s| format!("{s:?}"))
                .ok_or("a list of strings")
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(format!("v(&[{}])", items.join(", ")))
}
