//! A getopt-style reading of one program's arguments, for checks that must know
//! exactly which word is the SQL, the URL or the body (`psql -c SQL`, `curl -XDELETE`,
//! `mysql -pSECRET -e SQL`). The policy's `ArgView` is coarser: it only needs flags.

use crate::syntax::word::{Part, Word};

/// How a program's options are written.
pub struct Spec<'a> {
    /// Options that take a value: the next word, `--long=V`, or attached `-xV`.
    pub with_value: &'a [&'a str],
    /// Short options whose value can only be attached (`mysql -pSECRET`).
    pub attached_only: &'a [&'a str],
    /// Options are words such as `-cmd` (sqlite3, wget's `-O`-style are still short).
    pub single_dash_long: bool,
}

/// One argument after reading: an option with its value, or an operand.
#[derive(Debug, Clone)]
pub enum Item {
    Opt { name: String, value: Option<Word> },
    Operand(Word),
}

impl Item {
    pub fn is(&self, names: &[&str]) -> bool {
        matches!(self, Item::Opt { name, .. } if names.contains(&name.as_str()))
    }
}

pub fn scan(args: &[Word], spec: &Spec) -> Vec<Item> {
    let mut out = Vec::with_capacity(args.len());
    let mut i = 0;
    let mut only_operands = false;
    while i < args.len() {
        let w = &args[i];
        i += 1;
        let lead = match w.parts.first() {
            Some(Part::Lit(t)) => t.as_str(),
            _ => "",
        };
        if only_operands || !lead.starts_with('-') || w.text() == "-" {
            out.push(Item::Operand(w.clone()));
            continue;
        }
        let text = w.text();
        if text == "--" {
            only_operands = true;
            continue;
        }
        let long = text.starts_with("--") || spec.single_dash_long;
        if long {
            let (name, inline) = match lead.find('=') {
                Some(eq) => (lead[..eq].to_string(), Some(tail(w, eq + 1))),
                None => (text.clone(), None),
            };
            let value = match inline {
                Some(v) => Some(v),
                None if spec.with_value.contains(&name.as_str()) => {
                    let v = args.get(i).cloned();
                    i += 1;
                    v
                }
                None => None,
            };
            out.push(Item::Opt { name, value });
            continue;
        }
        // A cluster of short options; the first that takes a value ends it.
        let letters: Vec<(usize, char)> = lead.char_indices().skip(1).collect();
        for (pos, c) in letters {
            let name = format!("-{c}");
            let rest_at = pos + c.len_utf8();
            let attached = rest_at < text.len();
            if spec.with_value.contains(&name.as_str()) {
                let value = if attached {
                    Some(tail(w, rest_at))
                } else {
                    let v = args.get(i).cloned();
                    i += 1;
                    v
                };
                out.push(Item::Opt { name, value });
                break;
            }
            if spec.attached_only.contains(&name.as_str()) {
                let value = attached.then(|| tail(w, rest_at));
                out.push(Item::Opt { name, value });
                break;
            }
            out.push(Item::Opt { name, value: None });
        }
    }
    out
}

/// The word without its first `skip` bytes of literal text.
pub fn tail(w: &Word, skip: usize) -> Word {
    let mut left = skip;
    let mut parts = Vec::new();
    for p in &w.parts {
        match p {
            Part::Lit(t) if left > 0 => {
                if left >= t.len() {
                    left -= t.len();
                } else {
                    let cut = (left..=t.len())
                        .find(|&k| t.is_char_boundary(k))
                        .unwrap_or(t.len());
                    parts.push(Part::Lit(t[cut..].to_string()));
                    left = 0;
                }
            }
            other => parts.push(other.clone()),
        }
    }
    if parts.is_empty() {
        parts.push(Part::Lit(String::new()));
    }
    Word {
        parts,
        glob: w.glob,
        span: w.span.clone(),
    }
}

/// The word's text with every unknown part replaced by `placeholder`, so that a
/// parser sees a value where the shell would put one.
pub fn text_with(w: &Word, placeholder: &str) -> String {
    let mut s = String::new();
    for p in &w.parts {
        match p {
            Part::Lit(t) => s.push_str(t),
            Part::Unknown { .. } => s.push_str(placeholder),
        }
    }
    s
}

/// The values of the given options, in order.
pub fn values<'a>(items: &'a [Item], names: &'a [&str]) -> impl Iterator<Item = &'a Word> + 'a {
    items.iter().filter_map(move |it| match it {
        Item::Opt {
            name,
            value: Some(v),
        } if names.contains(&name.as_str()) => Some(v),
        _ => None,
    })
}

pub fn operands(items: &[Item]) -> impl Iterator<Item = &Word> {
    items.iter().filter_map(|it| match it {
        Item::Operand(w) => Some(w),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<Word> {
        s.iter().map(|t| Word::literal(*t, 0..0)).collect()
    }

    fn show(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .map(|i| match i {
                Item::Opt { name, value } => {
                    format!(
                        "{name}={}",
                        value.as_ref().map(|v| v.text()).unwrap_or_default()
                    )
                }
                Item::Operand(w) => w.text(),
            })
            .collect()
    }

    #[test]
    fn clusters_attached_values_and_long_forms() {
        let spec = Spec {
            with_value: &["-X", "-d", "--request", "-e"],
            attached_only: &["-p"],
            single_dash_long: false,
        };
        let got = scan(
            &words(&[
                "-sXDELETE",
                "--request=PUT",
                "-d",
                "x",
                "-pse",
                "u",
                "--",
                "-v",
            ]),
            &spec,
        );
        assert_eq!(
            show(&got),
            [
                "-s=",
                "-X=DELETE",
                "--request=PUT",
                "-d=x",
                "-p=se",
                "u",
                "-v"
            ]
        );
    }

    #[test]
    fn single_dash_long_options() {
        let spec = Spec {
            with_value: &["-cmd"],
            attached_only: &[],
            single_dash_long: true,
        };
        let got = scan(&words(&["-readonly", "-cmd", "DROP", "db"]), &spec);
        assert_eq!(show(&got), ["-readonly=", "-cmd=DROP", "db"]);
    }
}
