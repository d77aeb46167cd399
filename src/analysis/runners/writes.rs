//! Files the line writes before it may run them: what each is known to hold. A writer
//! whose output is known (`echo`, `printf`, heredocs, `tee` of known text, `cp`/`mv`
//! of a known file) records the text; any other writer (`base64 -d > f`, `curl -o f`,
//! `sed -i`, `cp` of a file that cannot be read) marks the file as unknown, and running
//! it later on the line is a confirm (`files.rs`).

use super::*;

impl Analyzer<'_> {
    /// Record the file `p` as written with `text` (`append`: added at its end, after
    /// what it held before, from the line or the disk).
    pub(crate) fn write_known(&mut self, p: PathBuf, text: &str, append: bool) {
        let before = if append {
            match self.runnable(&p) {
                files::Runnable::Text(t) => Some(t),
                files::Runnable::Missing => Some(String::new()),
                _ => None,
            }
        } else {
            Some(String::new())
        };
        self.written_generation += 1;
        match before {
            Some(mut b) => {
                b.push_str(text);
                self.unknown_files.remove(&p);
                Rc::make_mut(&mut self.written).insert(p, b);
            }
            None => self.write_unknown(p, "appended to"),
        }
    }

    /// Record the file `p` as written by a command whose output is not known.
    pub(crate) fn write_unknown(&mut self, p: PathBuf, how: &str) {
        self.written_generation += 1;
        if self.written.contains_key(&p) {
            Rc::make_mut(&mut self.written).remove(&p);
        }
        self.unknown_files.insert(p, how.to_string());
    }

    /// Copy what is known of `src` to `dst` (`cp`, `mv`, `install`).
    fn write_copy(&mut self, src: &Path, dst: PathBuf, by: &str) {
        match self.runnable(src) {
            files::Runnable::Text(t) => self.write_known(dst, &t, false),
            files::Runnable::Missing => {}
            // A copy of a compiled program is that program (judged by its name).
            files::Runnable::Compiled => {
                self.unknown_files.remove(&dst);
            }
            _ => self.write_unknown(dst, &format!("written by `{by}`")),
        }
    }

    /// The files a final invocation writes other than through redirections.
    pub(crate) fn note_file_writes(&mut self, inv: &Invocation) {
        if inv.remote {
            return;
        }
        let cwd = inv.cwd.clone();
        let resolve = |s: &Analyzer, w: &Word| -> Option<PathBuf> {
            let t = w.lit()?;
            scope::resolve(&t, cwd.as_deref(), s.ctx.home.as_deref())
        };
        let args = &inv.args;
        let operands: Vec<&Word> = args
            .iter()
            .filter(|w| match w.parts.first() {
                // Plain text not starting with `-` (most words): no need to build it.
                Some(Part::Lit(t)) if !t.is_empty() && !t.starts_with('-') => true,
                _ => {
                    let t = w.text();
                    !t.starts_with('-') || t == "-"
                }
            })
            .collect();
        match inv.program.as_str() {
            "tee" => {
                let append = args
                    .iter()
                    .any(|w| w.text() == "-a" || w.text() == "--append");
                let text = match &inv.stdin {
                    Stdin::Text { text, .. } => Some(text.clone()),
                    Stdin::File(p) => match self.runnable(p) {
                        files::Runnable::Text(t) => Some(t),
                        _ => None,
                    },
                    _ => None,
                };
                for w in operands {
                    let Some(p) = resolve(self, w) else { continue };
                    match &text {
                        Some(t) => self.write_known(p, t, append),
                        None => self.write_unknown(p, "written by `tee` from a pipe"),
                    }
                }
            }
            "cp" | "mv" | "install" | "ln" => {
                let [src, dst] = operands.as_slice() else {
                    return;
                };
                let (Some(s), Some(mut d)) = (resolve(self, src), resolve(self, dst)) else {
                    return;
                };
                if d.is_dir() {
                    if let Some(name) = s.file_name() {
                        d = d.join(name);
                    }
                }
                self.write_copy(&s, d, &inv.program);
                if inv.program == "mv" && self.written.contains_key(&s) {
                    Rc::make_mut(&mut self.written).remove(&s);
                }
            }
            "curl" | "wget" => {
                let flags: &[&str] = if inv.program == "curl" {
                    &["-o", "--output"]
                } else {
                    &["-O", "--output-document"]
                };
                for (i, w) in args.iter().enumerate() {
                    let t = w.text();
                    // `-qO FILE`, `-sSLo FILE`: a cluster ending in the flag.
                    let short = flags[0].trim_start_matches('-');
                    let cluster = !t.starts_with("--")
                        && t.len() > 2
                        && t.ends_with(short)
                        && t[1..].chars().all(|c| c.is_ascii_alphabetic());
                    let target = if flags.contains(&t.as_str()) || cluster {
                        args.get(i + 1).cloned()
                    } else {
                        flags
                            .iter()
                            .filter(|f| f.starts_with("--"))
                            .find_map(|f| t.strip_prefix(&format!("{f}=")))
                            .map(|v| Word::literal(v, w.span.clone()))
                    };
                    if let Some(p) = target.as_ref().and_then(|w| resolve(self, w)) {
                        let how = format!("downloaded by `{}`", inv.program);
                        self.write_unknown(p, &how);
                    }
                }
            }
            "sed" | "perl"
                if args.iter().any(|w| {
                    w.text().starts_with("-i")
                        || w.text() == "--in-place"
                        || (inv.program == "perl"
                            && w.text().starts_with("-p")
                            && w.text().contains('i'))
                }) =>
            {
                for w in operands.iter().skip(1) {
                    if let Some(p) = resolve(self, w) {
                        if self.written.contains_key(&p) || p.is_file() {
                            let how = format!("edited by `{}`", inv.program);
                            self.write_unknown(p, &how);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
