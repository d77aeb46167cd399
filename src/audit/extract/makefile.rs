//! Makefiles: every recipe of the file, read by the shared reader
//! ([`crate::specs::tasks::makefile`], which the walker also uses for `make TARGET`),
//! each run in the Makefile's directory.

use super::{Command, Cwd, Extracted};
use crate::specs::tasks::makefile::Makefile;

pub fn extract(text: &str) -> Extracted {
    let mut out = Extracted::default();
    for s in Makefile::parse(text).all_shells() {
        let mut c = Command::new(s.text, Cwd::FileDir);
        c.placeholders = s.placeholders;
        out.commands.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(ex: &Extracted) -> Vec<&str> {
        ex.commands.iter().map(|c| c.text.text.as_str()).collect()
    }

    #[test]
    fn recipes() {
        let mk = "\
BUILD := out
# comment
all: build ; echo inline

build:
\t@mkdir -p $(BUILD)
\t-$(RM) -r $(BUILD)/tmp \\
\t  && echo $$HOME
ifdef X
\techo x
endif
\tcp $< $@

install:
\trm -rf $(DESTDIR)/usr/lib/app
define CANNED
\trm -rf /
endef
x = 1
";
        let ex = extract(mk);
        assert!(ex.problems.is_empty());
        assert_eq!(
            texts(&ex),
            vec![
                "echo inline",
                "mkdir -p out",
                "rm -f -r out/tmp \\\n  && echo $HOME",
                "echo x",
                "cp ${_make_1} ${_make_2}",
                "rm -rf ${DESTDIR}/usr/lib/app",
            ]
        );
        let c = &ex.commands[2].text;
        assert_eq!(c.origin(c.text.find("&&").unwrap()), mk.find("&&").unwrap());
        assert_eq!(
            c.origin(c.text.find("out/tmp").unwrap()),
            mk.find("$(BUILD)/tmp").unwrap()
        );
        assert_eq!(
            c.origin(c.text.find("/tmp").unwrap()),
            mk.find("/tmp").unwrap()
        );
    }

    #[test]
    fn oneshell() {
        let ex = extract(".ONESHELL:\nall:\n\tcd sub\n\trm -rf build\n");
        assert_eq!(texts(&ex), vec!["cd sub\nrm -rf build"]);
    }
}
