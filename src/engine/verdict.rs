use serde::Serialize;
use std::ops::Range;

/// Ordered so that the strictest decision wins: `Allow < Confirm < Deny`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Allow,
    Confirm,
    Deny,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Confirm => "confirm",
            Decision::Deny => "deny",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "allow" => Some(Decision::Allow),
            "confirm" => Some(Decision::Confirm),
            "deny" => Some(Decision::Deny),
            _ => None,
        }
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason to stop a command: which rule, how strict, why, and where in the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub decision: Decision,
    pub reason: String,
    /// What is at stake in this command (a path, a database, a branch), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Byte offsets into the command line as given.
    pub start: usize,
    pub end: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

impl Finding {
    pub fn span(&self) -> Range<usize> {
        self.start..self.end
    }

    /// The reason with the detail appended, as shown to people and agents.
    pub fn message(&self) -> String {
        match &self.detail {
            Some(d) => format!("{} ({})", self.reason, d),
            None => self.reason.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub decision: Decision,
    pub findings: Vec<Finding>,
    /// The programs reached after unwrapping runners and nested shells, in order.
    #[serde(skip)]
    pub programs: Vec<String>,
}

impl Verdict {
    pub fn new(mut findings: Vec<Finding>, programs: Vec<String>) -> Verdict {
        findings.sort_by(|a, b| (a.start, &a.rule).cmp(&(b.start, &b.rule)));
        findings.dedup_by(|a, b| a.rule == b.rule && a.start == b.start && a.end == b.end);
        let decision = findings
            .iter()
            .map(|f| f.decision)
            .max()
            .unwrap_or(Decision::Allow);
        Verdict {
            decision,
            findings,
            programs,
        }
    }
}
