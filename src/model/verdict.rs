use super::Decision;
use serde::Serialize;
use std::ops::Range;

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
