//! justfiles: recipe bodies. Each line runs in its own `sh -cu` (after `@`/`-`
//! prefixes), a shebang recipe or `[script]` recipe runs its whole body as one script;
//! `{{ … }}` interpolations are only known when just runs, so they become shell
//! variables of the same length. `set shell := [...]` naming a non-POSIX shell turns
//! line recipes off.

use super::dockerfile::split_lines;
use super::shell::{is_posix_shell, is_shell_shebang};
use super::{mask_templates, Command, Cwd, Extracted, Mapped};

pub fn extract(text: &str) -> Extracted {
    let lines = split_lines(text);
    let mut out = Extracted::default();
    let mut posix = true;
    let mut script_attr: Option<bool> = None;
    let mut i = 0;
    while i < lines.len() {
        let (_, line) = lines[i];
        i += 1;
        let t = line.trim();
        if line.starts_with([' ', '\t']) || t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.starts_with('[') {
            // Attributes: `[script]` runs the body with `sh -eu`; `[script('python3')]`
            // with another interpreter.
            if let Some(arg) = t.strip_prefix("[script") {
                let arg = arg.trim_start_matches(['(', '\'', '"']);
                script_attr = Some(arg.starts_with(']') || is_posix_shell(arg));
            }
            continue;
        }
        if let Some(rest) = t.strip_prefix("set ") {
            if let Some(v) = rest.trim_start().strip_prefix("shell") {
                let v = v.trim_start().trim_start_matches(":=").trim_start();
                let first = v
                    .trim_start_matches('[')
                    .split(',')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .trim_matches(['"', '\'']);
                posix = is_posix_shell(first);
            }
            continue;
        }
        if !is_recipe_header(t) {
            script_attr = None;
            continue;
        }
        let script = script_attr.take();
        // The body: following indented lines (blank lines inside are kept).
        let mut body: Vec<(usize, &str)> = Vec::new();
        while i < lines.len() {
            let (o, l) = lines[i];
            if l.starts_with([' ', '\t']) {
                body.push((o, l));
            } else if !l.trim().is_empty() {
                break;
            } else {
                body.push((o, ""));
            }
            i += 1;
        }
        while body.last().is_some_and(|(_, l)| l.trim().is_empty()) {
            body.pop();
        }
        let Some(&(_, first)) = body.first() else {
            continue;
        };
        let indent = first.len() - first.trim_start().len();
        let first_text = first.trim_start();
        let whole = if first_text.starts_with("#!") {
            if !is_shell_shebang(first_text.as_bytes()) {
                continue;
            }
            true
        } else if let Some(posix_script) = script {
            if !posix_script {
                continue;
            }
            true
        } else {
            if !posix {
                continue;
            }
            false
        };
        let dedented: Vec<Mapped> = body
            .iter()
            .map(|&(o, l)| {
                let cut = indent.min(l.len() - l.trim_start().len());
                Mapped::verbatim(l, cut, l.len()).shifted(o)
            })
            .collect();
        if whole {
            let mut m = Mapped::new();
            for (n, d) in dedented.iter().enumerate() {
                if n > 0 {
                    m.push_synth(d.origin(0), "\n");
                }
                m.append(d);
            }
            push(&mut out, m);
            continue;
        }
        let mut k = 0;
        while k < dedented.len() {
            let mut m = dedented[k].clone();
            k += 1;
            while m.text.ends_with('\\') && k < dedented.len() {
                m.push_synth(m.origin(m.len().saturating_sub(1)) + 1, "\n");
                m.append(&dedented[k]);
                k += 1;
            }
            let skip = m.text.len() - m.text.trim_start_matches(['@', '-']).len();
            let m = m.slice(skip, m.text.len());
            if !m.text.trim().is_empty() {
                push(&mut out, m);
            }
        }
    }
    out
}

fn push(out: &mut Extracted, m: Mapped) {
    let mut c = Command::new(m, Cwd::FileDir);
    mask_templates(&mut c, "{{", "}}");
    out.commands.push(c);
}

/// `name params: deps`, `@name:`, but not `x := value` or `alias a := b`.
fn is_recipe_header(t: &str) -> bool {
    let name = t.trim_start_matches('@');
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return false;
    }
    let first = name.split_whitespace().next().unwrap_or("");
    if matches!(
        first,
        "alias" | "export" | "import" | "mod" | "set" | "unexport"
    ) {
        return false;
    }
    match t.find(':') {
        Some(p) => !t[p..].starts_with(":=") && !t[..p].contains('='),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipes() {
        let jf = "\
set dotenv-load
dir := \"build\"

# Clean up
clean:
    @rm -rf {{dir}}
    -echo done \\
      more

[private]
deploy env: clean
    #!/usr/bin/env bash
    set -e
    rm -rf /srv/{{env}}

py:
    #!/usr/bin/env python3
    import shutil
";
        let ex = extract(jf);
        let texts: Vec<&str> = ex.commands.iter().map(|c| c.text.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "rm -rf ${_T1_}",
                "echo done \\\n  more",
                "#!/usr/bin/env bash\nset -e\nrm -rf /srv/${_T1_}",
            ]
        );
        let m = &ex.commands[2].text;
        assert_eq!(
            m.origin(m.text.find("rm").unwrap()),
            jf.find("rm -rf /srv").unwrap()
        );
        assert_eq!(ex.commands[0].placeholders[0].1, "{{dir}}");
    }
}
