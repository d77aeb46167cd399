//! A digest of the effective policy, so records shipped from many machines say which
//! policy decided (two machines with the same digest judge alike).

use super::Policy;
use sha2::{Digest, Sha256};

impl Policy {
    /// SHA-256 (hex) over every rule in order (its pack and its compiled form) and the
    /// program readings sorted by name. The same binary with the same config layers
    /// gives the same digest; a rule added, disabled or with another decision changes
    /// it. Computed on demand: it costs a walk over every rule.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        for rule in &self.rules {
            h.update(rule.pack.as_bytes());
            h.update(b"\n");
            h.update(format!("{:?}", rule.def).as_bytes());
            h.update(b"\n");
        }
        let mut programs: Vec<_> = self.programs.iter().collect();
        programs.sort_by_key(|(name, _)| **name);
        for (name, info) in programs {
            h.update(format!("{name} {info:?}\n").as_bytes());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PackFile;

    #[test]
    fn the_digest_follows_the_rules() {
        let a = Policy::builtin();
        assert_eq!(a.digest(), Policy::builtin().digest());
        assert_eq!(a.digest().len(), 64);
        let mut b = Policy::builtin();
        let extra: PackFile = toml::from_str(
            "[[rule]]\nid = \"site.no-foo\"\ndecision = \"deny\"\nreason = \"no foo\"\n[[rule.match]]\nprogram = [\"foo\"]\n",
        )
        .expect("pack");
        b.add_pack("user", extra);
        assert_ne!(a.digest(), b.digest());
        let mut c = Policy::builtin();
        c.rules.pop();
        assert_ne!(a.digest(), c.digest());
    }
}
