//! justfiles: every shell recipe body, read by the shared reader
//! ([`crate::specs::tasks::justfile`], which the walker also uses for `just RECIPE`).

use super::{Command, Cwd, Extracted};
use crate::specs::tasks::justfile::Justfile;

pub fn extract(text: &str) -> Extracted {
    let mut out = Extracted::default();
    for r in Justfile::parse(text).recipes {
        for s in r.shells {
            let mut c = Command::new(s.text, Cwd::FileDir);
            c.placeholders = s.placeholders;
            out.commands.push(c);
        }
    }
    out
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
