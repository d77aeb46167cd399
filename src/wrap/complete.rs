//! Is a typed bash line complete, or would bash ask for more (PS2)? The bash hook
//! keeps an incomplete line in the editor (adding a newline) so that the whole
//! command — loop, heredoc, quoted block — is judged once, as bash will run it.

use crate::syntax;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// True when bash would read more lines before running `line`. Cheap for ordinary
/// lines (a tree-sitter parse); anything the grammar finds odd is settled by `bash -n`,
/// the parser that will actually run it. When in doubt, the answer is "complete", so
/// the line is judged now rather than held.
pub fn incomplete(line: &str, bash: Option<&Path>) -> bool {
    if ends_with_continuation(line) {
        return true;
    }
    let clean = syntax::parse(line).is_some_and(|t| !t.root_node().has_error());
    if clean && !line.contains("<<") {
        return false;
    }
    bash_says_incomplete(line, bash.unwrap_or(Path::new("bash")))
}

/// An unescaped backslash at the very end joins the next line.
fn ends_with_continuation(line: &str) -> bool {
    let n = line.bytes().rev().take_while(|b| *b == b'\\').count();
    n % 2 == 1
}

fn bash_says_incomplete(line: &str, bash: &Path) -> bool {
    let child = Command::new(bash)
        .args(["-O", "extglob", "-n"])
        .env("LC_ALL", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(line.as_bytes());
    }
    let Ok(out) = child.wait_with_output() else {
        return false;
    };
    let err = String::from_utf8_lossy(&out.stderr);
    err.contains("unexpected end of file")
        || err.contains("unexpected EOF")
        || err.contains("delimited by end-of-file")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_constructs_wait_for_more() {
        for line in [
            "for i in 1 2; do",
            "for i in 1 2; do\necho $i",
            "echo 'abc",
            "echo \"abc",
            "echo a |",
            "echo a &&",
            "cat <<EOF",
            "cat <<EOF\nhello",
            "if true; then",
            "echo $(ls",
            "echo a \\",
            "f() {",
            "case x in",
            "(ls",
        ] {
            assert!(incomplete(line, None), "{line:?}");
        }
    }

    #[test]
    fn finished_or_broken_lines_run() {
        for line in [
            "ls -la",
            "echo a \\\\",
            "cat <<EOF\nhello\nEOF",
            "for i in 1 2; do echo $i; done",
            "echo a)",
            "fi",
            "ls !(x)",
            "echo $((1<<2))",
            "cat <<< 'x'",
            "echo 'a\nb'",
        ] {
            assert!(!incomplete(line, None), "{line:?}");
        }
    }
}
