//! Converts the built-in rule packs (`policies/*.toml`) to JSON at build time: the
//! agent shell loads them on every command, and JSON parses several times faster
//! than TOML. The TOML files stay the source of truth.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=policies");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut names: Vec<String> = std::fs::read_dir("policies")
        .expect("policies/ is readable")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    let mut table = String::from("&[\n");
    for name in &names {
        let src = Path::new("policies").join(format!("{name}.toml"));
        println!("cargo:rerun-if-changed={}", src.display());
        let text = std::fs::read_to_string(&src).expect("pack is readable");
        let value: toml::Value = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not valid TOML: {e}", src.display()));
        let json = serde_json::to_string(&value).expect("TOML values convert to JSON");
        let dest = Path::new(&out).join(format!("{name}.json"));
        std::fs::write(&dest, json).expect("OUT_DIR is writable");
        let _ = writeln!(
            table,
            "    ({name:?}, include_str!(concat!(env!(\"OUT_DIR\"), \"/{name}.json\"))),"
        );
    }
    table.push(']');
    std::fs::write(Path::new(&out).join("builtin_json.rs"), table).expect("OUT_DIR is writable");
}
