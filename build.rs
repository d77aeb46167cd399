//! Build step: the built-in policy packs (`policies/*.toml`, the source of truth) are
//! also written as JSON into OUT_DIR: `packs.json` whole, and `packs-lean.json` without
//! the rules' examples, which deciding never reads. Every start of `interlock` (each
//! hook call, each agent command) loads the built-in policy, and JSON parses several
//! times faster than TOML. A pack that does not parse is left out here; the run-time
//! TOML fallback and the tests report it.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=policies");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir("policies")
        .expect("the policies directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut packs = serde_json::Map::new();
    let mut lean = serde_json::Map::new();
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        let (Some(name), Ok(text)) = (
            path.file_stem().and_then(|s| s.to_str()),
            std::fs::read_to_string(&path),
        ) else {
            continue;
        };
        let Ok(value) = toml::from_str::<toml::Value>(&text) else {
            continue;
        };
        let whole = serde_json::to_value(value).expect("TOML values convert to JSON");
        let mut without = whole.clone();
        if let Some(rules) = without.get_mut("rule").and_then(|r| r.as_array_mut()) {
            for r in rules.iter_mut().filter_map(|r| r.as_object_mut()) {
                r.remove("examples");
            }
        }
        packs.insert(name.to_string(), whole);
        lean.insert(name.to_string(), without);
    }
    for (file, doc) in [("packs.json", packs), ("packs-lean.json", lean)] {
        let json = serde_json::to_string(&doc).expect("JSON");
        std::fs::write(out.join(file), json).expect("write to OUT_DIR");
    }
}
